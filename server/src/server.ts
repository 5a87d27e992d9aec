import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomInt as cryptoRandomInt } from 'node:crypto';
import { Server } from '@colyseus/core';
import { LobbyLimits, RoomName } from '@rallypoint/protocol';
import { pino, type Logger } from 'pino';
import type { ServerConfig } from './config.js';
import { createGameRoom, type GameRoomApi } from './game-room.js';
import { createHttpHandler } from './http.js';
import { createListingRoom } from './listing-room.js';
import { createMetrics, type Metrics } from './metrics.js';
import { CountingTransport } from './transport.js';

export interface LobbyServerInit extends Partial<ServerConfig> {
  /** @default a pino logger at `logLevel`, to stdout */
  logger?: Logger;
  /** @default Date.now */
  now?: () => number;
  /** For room codes: an integer in [0, n). @default crypto.randomInt */
  randomInt?: (n: number) => number;
}

export interface LobbyServer {
  /** `http://host:port` as bound (port resolved when 0 was asked for). */
  readonly url: string;
  readonly port: number;
  readonly metrics: Metrics;
  /** Tell every member, close every connection, stop listening. Idempotent. */
  close(): Promise<void>;
}

/**
 * Start the lobby server: Colyseus with the game and listing rooms on a Node HTTP server that
 * also answers `/healthz`, `/metrics`, `/rooms/CODE` and serves `staticDir`.
 *
 * Colyseus keeps its matchmaker in module state, so one process runs one lobby server.
 */
export async function startLobbyServer(init: LobbyServerInit = {}): Promise<LobbyServer> {
  const logger = init.logger ?? pino({ level: init.logLevel ?? 'info', base: { service: 'rallypoint-server' } });
  const now = init.now ?? Date.now;
  const rooms = new Map<string, GameRoomApi>();
  let shuttingDown = false;
  const countClients = () => {
    let clients = 0;
    for (const room of rooms.values()) clients += room.memberCount;
    return clients;
  };
  const metrics = createMetrics({ rooms: () => rooms.size, clients: countClients });
  const httpServer = createServer(
    createHttpHandler({
      metrics,
      staticDir: init.staticDir,
      startedAt: now(),
      now,
      shuttingDown: () => shuttingDown,
      rooms: () => rooms.size,
      clients: countClients,
      roomStatus: (code) => rooms.get(code)?.status() ?? 'not-found',
    }),
  );
  const transport = new CountingTransport({ server: httpServer, maxPayload: LobbyLimits.frameMaxBytes }, metrics);
  const colyseus = new Server({ transport, greet: false, gracefullyShutdown: false, logger });
  const context = { logger, metrics, now };
  colyseus.define(RoomName.Game, createGameRoom({ ...context, rooms, iceServers: init.iceServers ?? [], turn: init.turn, randomInt: init.randomInt ?? ((n) => cryptoRandomInt(n)) }))
    .filterBy(['mode'])
    // Quick match joins the fullest open room of the mode.
    .sortBy({ clients: -1 })
    .enableRealtimeListing();
  colyseus.define(RoomName.Listing, createListingRoom(context));

  await colyseus.listen(init.port ?? 2567, init.host ?? '0.0.0.0');
  const { port } = httpServer.address() as AddressInfo;
  const host = init.host === undefined || init.host === '0.0.0.0' || init.host === '::' ? 'localhost' : init.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info({ port, host: init.host ?? '0.0.0.0', url, staticDir: init.staticDir ?? null, turn: init.turn !== undefined }, 'listening');

  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    metrics,
    close() {
      closed ??= (async () => {
        shuttingDown = true;
        logger.info({ rooms: rooms.size, clients: countClients() }, 'shutting down');
        for (const room of rooms.values()) room.announceClosing();
        await colyseus.gracefullyShutdown(false);
        httpServer.closeAllConnections();
        logger.info('stopped');
      })();
      return closed;
    },
  };
}
