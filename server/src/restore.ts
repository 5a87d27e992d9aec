import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Restore } from '@rallypoint/protocol';

/** What a restore claim states, before the server signs it: one member's place, and the room as it is. */
export type RestoreClaim = Omit<Restore, 'token' | 'expiresAt'>;

/** Whether a claim holds: `forged` (not this server's secret, or any field changed) or `expired`. */
export type RestoreCheck = 'ok' | 'forged' | 'expired';

export interface RestoreTokens {
  /** Seconds a claim is honoured after it is issued. */
  readonly claimSeconds: number;
  /** This member's claim, signed: handed to its member alone (welcome, `restore` messages). */
  issue(claim: RestoreClaim, nowMs: number): Restore;
  /** Whether `restore` is a claim this server (or one with the same secret) issued, and still honours. */
  check(restore: Restore, nowMs: number): RestoreCheck;
}

/**
 * Restore claims carry an HMAC of everything they state, keyed with the server's restore secret:
 * the member's place (code, id, order), the room's settings, lock, host and members, and when the
 * claim expires. A server that restarted with the same secret can check claims to rooms it no
 * longer remembers, re-form a room exactly as it was, and nobody else can make or alter one.
 * Without a configured secret each process draws its own: claims from before a restart then fail
 * (`RestoreRefused`), which is safe, not silent.
 */
export function createRestoreTokens(secret: string | undefined, claimSeconds: number): RestoreTokens {
  const key = secret === undefined ? randomBytes(32) : Buffer.from(secret, 'utf8');
  const mac = (claim: RestoreClaim, expiresAt: number) => createHmac('sha256', key).update(canonical(claim, expiresAt)).digest();
  return {
    claimSeconds,
    issue(claim, nowMs) {
      const expiresAt = Math.floor(nowMs) + claimSeconds * 1000;
      return { ...claim, expiresAt, token: mac(claim, expiresAt).toString('base64url') };
    },
    check(restore, nowMs) {
      const { token, expiresAt, ...claim } = restore;
      const expected = mac(claim, expiresAt);
      const given = Buffer.from(token, 'base64url');
      if (given.byteLength !== expected.byteLength || !timingSafeEqual(given, expected)) return 'forged';
      return nowMs < expiresAt ? 'ok' : 'expired';
    },
  };
}

/** The bytes signed: every field, in a fixed order, as JSON (one field cannot spill into the next). */
function canonical({ code, memberId, order, room }: RestoreClaim, expiresAt: number): string {
  const { settings } = room;
  return JSON.stringify(['rallypoint-restore/2', code, memberId, order, expiresAt, settings.mode, settings.maxPlayers, settings.private, settings.topology, room.locked, room.hostId, room.members]);
}
