import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { getBearerToken, matchMaker } from '@colyseus/core';
import { LobbyErrorCode } from '@rallypoint/protocol';
import { declaredTooLarge, readBody, refuseBody } from './bodies.js';
import type { HttpLimitKind } from './config.js';
import { tooManyConnectionsBody, type ConnectionLimit } from './connection-limit.js';
import { tooManyRequests, unavailable, type HttpLimiter } from './http-limits.js';
import type { OriginPolicy } from './origins.js';

/** What stands in front of every HTTP request. */
export interface RequestGate {
  limiter: HttpLimiter;
  connections: ConnectionLimit;
  /** Which pages may matchmake (`--allow-origins`). */
  origins: OriginPolicy;
  /** Whether matchmaking can work now (clustered: Redis is connected). */
  available: () => boolean;
  /** Largest body read (see bodies.ts). */
  maxBodyBytes: number;
  /** The transport's protocol name, for matchmaking answers (Colyseus adds it when there is one). */
  protocol: string | undefined;
  onLimited: (kind: HttpLimitKind) => void;
  onBodyRefused: () => void;
  onError: (error: unknown) => void;
}

/**
 * In front of everything the HTTP server answers (Colyseus puts its `/matchmake/` routes in front
 * of our handler; this goes in front of both, so call it after Colyseus attached them):
 *
 * - a connection over its address's limit is answered 429, naming the flag, and closed;
 * - matchmaking from a page origin `--allow-origins` does not list: 403, which the page can read
 *   (its preflight passes, so the refusal is what it gets, not a failed request);
 * - a body over `maxBodyBytes` (or any chunked body, but to matchmaking) is answered 413 at once
 *   and never read;
 * - matchmaking takes from the per-address budgets (a `create` from both the matchmaking and the
 *   creation budget), answers 503 at once while it cannot work (Redis away), and is answered
 *   here, from a bounded body: Colyseus' own handler buffers any body it is sent, whole.
 *
 * A limiter that fails lets the request through: the limits protect the lobby, they must not be
 * what stops it.
 */
export function gateRequests(server: Server, gate: RequestGate): void {
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (gate.connections.refused(req.socket)) {
      res.writeHead(429, { ...gate.origins.corsHeaders(req), 'content-type': 'application/json', 'retry-after': '1', connection: 'close' });
      return void res.end(tooManyConnectionsBody(gate.connections));
    }
    // A refused page may still ask its preflight: the refusal that follows is then one it can read.
    if (req.method !== 'OPTIONS' && !gate.origins.allows(req) && matchmakeRoute(req.url ?? '') !== undefined) {
      return void res.writeHead(403, { ...gate.origins.corsHeaders(req), 'content-type': 'application/json', 'cache-control': 'no-store' }).end(gate.origins.refusal(req));
    }
    const route = req.method === 'POST' ? matchmakeRoute(req.url ?? '') : undefined;
    if (declaredTooLarge(req, gate.maxBodyBytes, route !== undefined)) {
      gate.onBodyRefused();
      return refuseBody(req, res, gate.maxBodyBytes, gate.connections.linger);
    }
    if (route === undefined) {
      for (const listener of listeners) listener.call(server, req, res);
      return;
    }
    void matchmake(req, res, route, gate).catch((error: unknown) => {
      gate.onError(error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ code: LobbyErrorCode.Internal, error: 'matchmaking failed' }));
    });
  });
}

interface MatchmakeRoute {
  method: string;
  roomName: string;
}

/**
 * Colyseus' own reading of a matchmaking target (`/matchmake/METHOD/ROOM`, anywhere in the URL):
 * every request Colyseus would take as matchmaking is taken here, so none reaches its handler.
 */
function matchmakeRoute(url: string): MatchmakeRoute | undefined {
  if (!url.includes(`/${matchMaker.controller.matchmakeRoute}`)) return undefined;
  const route: string = matchMaker.controller.matchmakeRoute;
  const parts: string[] = url.match(matchMaker.controller.allowedRoomNameChars) ?? [];
  const at = parts.indexOf(route);
  return { method: parts[at + 1] ?? '', roomName: parts[at + 2] ?? '' };
}

async function matchmake(req: IncomingMessage, res: ServerResponse, { method, roomName }: MatchmakeRoute, gate: RequestGate): Promise<void> {
  // Colyseus' answers: CORS for the page's origin (allowed by now), JSON, `{ code, error }` on failure.
  const headers = { ...matchMaker.controller.DEFAULT_CORS_HEADERS, ...matchMaker.controller.getCorsHeaders(req), 'content-type': 'application/json' };
  // The body first: one too big is no matchmaking request, and spends no budget.
  const body = await readBody(req, gate.maxBodyBytes);
  if (body === 'aborted') return;
  if (body === 'too-large') {
    gate.onBodyRefused();
    return refuseBody(req, res, gate.maxBodyBytes, gate.connections.linger, headers);
  }
  if (!gate.available()) return unavailable(res, headers);
  const address = gate.limiter.address(req);
  const kinds: HttpLimitKind[] = method === 'create' ? ['matchmake', 'creates'] : ['matchmake'];
  for (const kind of kinds) {
    const waitMs = await gate.limiter.take(kind, address).catch((error: unknown) => {
      gate.onError(error);
      return undefined;
    });
    if (waitMs === undefined) continue;
    gate.onLimited(kind);
    return tooManyRequests(res, waitMs, kind === 'creates' ? 'rooms created' : 'matchmaking requests', headers);
  }
  if (matchMaker.state === matchMaker.MatchMakerState.SHUTTING_DOWN) return void res.writeHead(503, headers).end();
  let answer: unknown;
  try {
    const options: unknown = body.byteLength === 0 ? {} : JSON.parse(body.toString('utf8'));
    const auth = { token: getBearerToken(req.headers.authorization ?? ''), headers: req.headers, ip: address, req };
    const reserved = ((await claimSeat(method, roomName, options, auth)) ?? (await matchMaker.controller.invokeMethod(method, roomName, options as Record<string, unknown>, auth))) as Record<string, unknown>;
    answer = gate.protocol === undefined ? reserved : { ...reserved, protocol: gate.protocol };
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    answer = { code: typeof code === 'number' ? code : LobbyErrorCode.InvalidJoinOptions, error: String(message ?? error).slice(0, 256) };
  }
  res.writeHead(200, headers).end(JSON.stringify(answer));
}

/**
 * A join by code with a restore claim, into a locked room: Colyseus' joinById refuses a locked
 * room before the room is asked, but a member who proves its place gets it back even when the
 * host has locked the room meanwhile (its connection was away longer than the reconnection
 * window, say). The room's own onAuth checks the claim (and refuses a bad one by name); the room
 * still refuses a full house. Undefined: not such a request, Colyseus answers it as usual.
 */
async function claimSeat(method: string, roomId: string, options: unknown, auth: { token: string }): Promise<unknown> {
  if (method !== 'joinById' || typeof options !== 'object' || options === null || !('restore' in options)) return undefined;
  if ((options.restore as { code?: unknown } | undefined)?.code !== roomId) return undefined;
  const room = await matchMaker.getRoomById(roomId);
  if (!room?.locked) return undefined;
  const roomClass = matchMaker.getRoomClass(room.name) as unknown as { onAuth(token: string, options: unknown, context: unknown): Promise<unknown> };
  const authData = await roomClass.onAuth(auth.token, options, auth);
  return matchMaker.reserveSeatFor(room, options as Record<string, unknown>, authData);
}
