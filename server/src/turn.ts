import type { IceServer } from '@rallypoint/protocol';
import { createHmac } from 'node:crypto';

/** A TURN server that shares a secret with the lobby (coturn's `use-auth-secret`). */
export interface TurnConfig {
  /** Shared secret with the TURN server (coturn: `static-auth-secret`, with `use-auth-secret`). */
  secret: string;
  /** `turn:` / `turns:` URLs of that server. */
  urls: string[];
  /** Credential lifetime, whole seconds, 60 or more. @default 3600 */
  ttlSeconds: number;
}

/**
 * Ephemeral TURN credentials in the TURN REST API convention (draft-uberti-behave-turn-rest, as
 * coturn implements it): username `expiry:sessionId` with expiry in Unix seconds, credential the
 * base64 HMAC-SHA1 of the username keyed with the shared secret.
 */
export function turnCredentials(secret: string, sessionId: string, ttlSeconds: number, nowMs: number): { username: string; credential: string } {
  const expiry = Math.floor(nowMs / 1000) + ttlSeconds;
  const username = `${expiry}:${sessionId}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

/** The ICE servers one member gets: the configured ones, plus TURN with its own credentials. */
export function iceServersFor(iceServers: readonly IceServer[], turn: TurnConfig | undefined, sessionId: string, nowMs: number): IceServer[] {
  const servers = iceServers.map((server) => ({ ...server }));
  if (turn !== undefined && turn.urls.length > 0) servers.push({ urls: turn.urls, ...turnCredentials(turn.secret, sessionId, turn.ttlSeconds, nowMs) });
  return servers;
}
