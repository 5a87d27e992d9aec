import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { matchMaker } from '@colyseus/core';
import { LobbyCloseCode } from '@rallypoint/protocol';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { ConnectionLimit } from './connection-limit.js';
import type { OriginPolicy } from './origins.js';

/** Colyseus' close code for a join that failed (`Protocol.WS_CLOSE_WITH_ERROR`). */
const WS_CLOSE_WITH_ERROR = 4002;
/** One warning line per this much time for bad upgrades, however many come. */
const WARN_EVERY_MS = 10_000;

export interface UpgradeGate {
  connections: ConnectionLimit;
  /** Which pages may open a room's WebSocket (`--allow-origins`): CORS does not cover WebSockets. */
  origins: OriginPolicy;
  logger: Logger;
  now: () => number;
  onBadUpgrade: () => void;
}

/**
 * In front of the WebSocket transport (call after it attached its 'upgrade' listener). Colyseus
 * takes any upgrade and logs one that names no room or no reserved seat at error level with a
 * stack trace: a log line and a trace for every stray request. Here:
 *
 * - a page from an origin `--allow-origins` does not list is answered 403 and closed;
 * - a connection over its address's limit gets a WebSocket closed with
 *   `LobbyCloseCode.TooManyConnections` and a reason naming the flag;
 * - a target that cannot be a room's is answered 400 and closed; one for a room that is not here
 *   or holds no seat for it, closed with Colyseus' join-failed code, as Colyseus would;
 * - either is counted, and logged at warn, one line per 10 s with the number left unlogged.
 */
export function gateUpgrades(server: Server, gate: UpgradeGate): void {
  const listeners = server.listeners('upgrade') as ((req: IncomingMessage, socket: Duplex, head: Buffer) => void)[];
  server.removeAllListeners('upgrade');
  // Only to close what it accepts: nothing is read from these sockets.
  const refusals = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  const close = (req: IncomingMessage, socket: Duplex, head: Buffer, code: number, reason: string) => refusals.handleUpgrade(req, socket, head, (ws) => ws.close(code, reason));
  let lastWarnAt = -Infinity;
  let unlogged = 0;
  const warn = (req: IncomingMessage, why: string) => {
    gate.onBadUpgrade();
    if (gate.now() - lastWarnAt < WARN_EVERY_MS) return void unlogged++;
    lastWarnAt = gate.now();
    gate.logger.warn({ url: req.url?.slice(0, 128), why, unlogged }, 'WebSocket upgrade refused');
    unlogged = 0;
  };
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (gate.connections.refused(socket)) return close(req, socket, head, LobbyCloseCode.TooManyConnections, gate.connections.reason);
    if (!gate.origins.allows(req)) {
      warn(req, 'origin not allowed');
      return void socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
    const target = seatTarget(req.url ?? '');
    if (target === undefined) {
      warn(req, 'not a room target');
      return void socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
    const room = matchMaker.getLocalRoomById(target.roomId) as ReturnType<typeof matchMaker.getLocalRoomById> | undefined;
    if (room === undefined || !room.hasReservedSeat(target.sessionId, target.reconnectionToken)) {
      warn(req, room === undefined ? 'no such room here' : 'no seat reserved');
      return close(req, socket, head, WS_CLOSE_WITH_ERROR, 'seat reservation expired.');
    }
    for (const listener of listeners) listener.call(server, req, socket, head);
  });
}

/** The room and seat an upgrade asks for, read as Colyseus' ws transport reads them. */
function seatTarget(url: string): { roomId: string; sessionId: string; reconnectionToken: string | undefined } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(`ws://server/${url}`);
  } catch {
    return undefined; // not a URL at all: the caller answers 400
  }
  const roomId = /\/[a-zA-Z0-9_-]+\/([a-zA-Z0-9_-]+)$/.exec(parsed.pathname)?.[1];
  const sessionId = parsed.searchParams.get('sessionId');
  if (roomId === undefined || sessionId === null) return undefined;
  return { roomId, sessionId, reconnectionToken: parsed.searchParams.get('reconnectionToken') ?? undefined };
}
