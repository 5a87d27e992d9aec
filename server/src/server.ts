import { createServer, type IncomingMessage, type RequestListener, type Server as HttpServer, type ServerOptions } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { randomInt as cryptoRandomInt } from 'node:crypto';
import { Server, matchMaker } from '@colyseus/core';
import { LobbyLimits, RoomName } from '@rallypoint/protocol';
import { pino, type Logger } from 'pino';
import { connectCluster } from './cluster.js';
import { isAnyAddress, type ServerConfig } from './config.js';
import { limitConnectionsPerAddress } from './connection-limit.js';
import { createMessageDecoder } from './decode.js';
import { createLocalDirectory } from './directory.js';
import { createGameRoom } from './game-room.js';
import { createHttpHandler, createMetricsHandler } from './http.js';
import { gateRequests } from './gate.js';
import { gateUpgrades } from './upgrades.js';
import { HttpLimiter } from './http-limits.js';
import { createListingRoom } from './listing-room.js';
import { createRestoreTokens } from './restore.js';
import { createMetrics, type Metrics } from './metrics.js';
import { RelayAbusers, RelayActivity } from './relay.js';
import { OriginPolicy } from './origins.js';
import { readTlsFiles, type TlsFiles } from './tls.js';
import { CountingTransport } from './transport.js';

/** Options of `startLobbyServer`: the CLI's settings, each optional, and what tests inject. */
export interface LobbyServerInit extends Partial<ServerConfig> {
  /** Where the server logs. @default a pino logger at `logLevel`, to stdout */
  logger?: Logger;
  /** The clock, in ms (tests inject one). @default Date.now */
  now?: () => number;
  /** For room codes: an integer in [0, n). @default crypto.randomInt */
  randomInt?: (n: number) => number;
}

/** A running lobby server. */
export interface LobbyServer {
  /** `http://host:port` as bound (port resolved when 0 was asked for); `https://` with `tls`. */
  readonly url: string;
  /** The port it listens on (resolved when 0 was asked for). */
  readonly port: number;
  /** Its Prometheus metrics (served at `/metrics`, or on `metricsListen`). */
  readonly metrics: Metrics;
  /**
   * Read the `tls` files again and serve new connections with them (a renewed certificate);
   * connections already open, and every room, carry on. Throws a `TlsFilesError` (and keeps the
   * old certificate) when the new files cannot be used, and an Error when the server has no TLS.
   */
  reloadTls(): void;
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
  const cluster = init.redisUrl === undefined ? undefined : await connectCluster({ url: init.redisUrl, logger, onReaped: () => metrics.processesReaped.inc() });
  const directory = cluster?.directory ?? createLocalDirectory();
  /** Whether matchmaking and room look-ups can work: clustered, while Redis is connected. */
  const available = () => cluster === undefined || cluster.redis.status === 'ready';
  const rooms = directory.local;
  let shuttingDown = false;
  const countClients = () => {
    let clients = 0;
    for (const room of rooms.values()) clients += room.memberCount;
    return clients;
  };
  const relayActivity = new RelayActivity(now);
  const relayAbusers = new RelayAbusers(now);
  const metrics = createMetrics({ rooms: () => rooms.size, clients: countClients, relayedLinks: () => relayActivity.count(), cluster: cluster?.totals });
  const limiter = new HttpLimiter(
    init.httpLimits ?? { matchmake: LobbyLimits.matchmakePerAddress, probes: LobbyLimits.probesPerAddress, creates: LobbyLimits.createsPerAddress },
    init.trustProxy ?? [],
    cluster?.redis,
  );
  const onFailed = (req: IncomingMessage, error: unknown) => logger.warn({ err: error, url: req.url?.slice(0, 256) }, 'HTTP request failed');
  const httpServer = createWebServer(
    init.tls,
    {
      maxHeaderSize: LobbyLimits.httpMaxHeaderBytes,
      headersTimeout: LobbyLimits.httpHeadersTimeoutMs,
      requestTimeout: LobbyLimits.httpRequestTimeoutMs,
      // How often Node checks the two timeouts above (its default, 30 s, would stretch them).
      connectionsCheckingInterval: 1000,
    },
    createHttpHandler({
      metrics,
      staticDir: init.staticDir,
      startedAt: now(),
      now,
      shuttingDown: () => shuttingDown,
      rooms: () => rooms.size,
      clients: countClients,
      roomStatus: (code) => directory.status(code),
      limiter,
      available,
      onBadRequest: (req, error) => {
        metrics.badRequests.inc();
        logger.debug({ err: error, url: req.url?.slice(0, 256) }, 'bad HTTP request');
      },
      onFailed,
      corsOrigin: init.corsOrigin,
      metricsHere: init.metricsListen === undefined,
      metricsToken: init.metricsToken,
    }),
  );
  httpServer.maxHeadersCount = LobbyLimits.httpMaxHeaders;
  // Node closes a CONNECT nobody listens for without a word; say why instead.
  httpServer.on('connect', (_req, socket: Socket) => socket.end('HTTP/1.1 405 Method Not Allowed\r\nConnection: close\r\n\r\n'));
  const connections = limitConnectionsPerAddress(httpServer, init.connectionsPerAddress ?? LobbyLimits.connectionsPerAddress, (address) => {
    metrics.connectionsRefused.inc();
    logger.debug({ address }, 'too many connections from one address');
  });
  // Listen before Colyseus starts: the public address handed out for rooms may need the port.
  await listen(httpServer, init.port ?? 2567, init.host ?? '0.0.0.0');
  // /metrics on an address of its own (loopback, a monitoring network), and nothing else there.
  const metricsServer =
    init.metricsListen === undefined
      ? undefined
      : createServer({ headersTimeout: LobbyLimits.httpHeadersTimeoutMs, requestTimeout: LobbyLimits.httpRequestTimeoutMs }, createMetricsHandler({ metrics, metricsToken: init.metricsToken, onFailed }));
  if (metricsServer !== undefined && init.metricsListen !== undefined) await listen(metricsServer, init.metricsListen.port, init.metricsListen.host);
  const { port } = httpServer.address() as AddressInfo;
  const host = init.host === undefined || isAnyAddress(init.host) ? 'localhost' : init.host;
  const hostPort = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const url = `${init.tls === undefined ? 'http' : 'https'}://${hostPort}`;
  // Clustered, every room's socket must reach the process holding it: its own address.
  const publicAddress = init.publicAddress ?? (cluster === undefined ? undefined : hostPort);

  const origins = new OriginPolicy(init.allowOrigins ?? '*');
  // Colyseus' own answers (the matchmaking preflight) and ours take their CORS from the policy.
  matchMaker.controller.getCorsHeaders = (req: IncomingMessage) => origins.corsHeaders(req);
  const transport = new CountingTransport({ server: httpServer, maxPayload: LobbyLimits.frameMaxBytes }, metrics);
  gateUpgrades(httpServer, { connections, origins, logger, now, onBadUpgrade: () => metrics.badUpgrades.inc() });
  const colyseus = new Server({
    transport,
    greet: false,
    gracefullyShutdown: false,
    logger,
    ...(publicAddress === undefined ? {} : { publicAddress }),
    ...(cluster === undefined ? {} : { presence: cluster.presence, driver: cluster.driver, selectProcessIdToCreateRoom: cluster.selectProcessIdToCreateRoom }),
  });
  gateRequests(httpServer, {
    limiter,
    connections,
    origins,
    available,
    maxBodyBytes: init.maxBodyBytes ?? LobbyLimits.httpMaxBodyBytes,
    protocol: transport.protocol,
    onLimited: (kind) => metrics.httpLimited.inc({ kind }),
    onBodyRefused: () => metrics.bodiesRefused.inc(),
    onError: (error) => logger.warn({ err: error }, 'matchmaking request failed on the way (a limiter that fails lets requests through)'),
  });
  const context = { logger, metrics, now, decode: createMessageDecoder() };
  if (init.restoreSecret === undefined) logger.info('no restore secret configured: rooms in memory cannot be re-formed after a restart (see --restore-secret)');
  if (init.restoreSecret === undefined && cluster !== undefined) logger.warn('clustered without --restore-secret: each process makes its own, so rooms of a process that stops cannot re-form on another');
  const restoreTokens = createRestoreTokens(init.restoreSecret, init.restoreClaimSeconds ?? LobbyLimits.restoreClaimSeconds);
  colyseus.define(
    RoomName.Game,
    createGameRoom({
      ...context,
      directory,
      draining: () => shuttingDown,
      restoreTokens,
      iceServers: init.iceServers ?? [],
      turn: init.turn,
      relayBytesPerSecond: init.relayBytesPerSecond ?? LobbyLimits.relayBytesPerSecond,
      relayFirst: init.relayFirst ?? true,
      relayActivity,
      relayAbusers,
      randomInt: init.randomInt ?? ((n) => cryptoRandomInt(n)),
    }),
  )
    .filterBy(['mode'])
    // Quick match joins the fullest open room of the mode.
    .sortBy({ clients: -1 })
    .enableRealtimeListing();
  colyseus.define(RoomName.Listing, createListingRoom(context));

  await cluster?.start();
  // What Colyseus' listen() does after binding: join the matchmaker (its IPC channel, health checks).
  await matchMaker.accept();
  const metricsAddress = metricsServer?.address() as AddressInfo | undefined;
  logger.info({ port, host: init.host ?? '0.0.0.0', url, tls: init.tls !== undefined, metrics: metricsAddress === undefined ? `${url}/metrics` : `${metricsAddress.address}:${metricsAddress.port}`, publicAddress: publicAddress ?? null, redis: cluster !== undefined, staticDir: init.staticDir ?? null, turn: init.turn !== undefined }, 'listening');

  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    metrics,
    reloadTls() {
      if (init.tls === undefined) throw new Error('this server has no TLS to reload (start it with --tls-cert and --tls-key)');
      (httpServer as unknown as { setSecureContext(options: object): void }).setSecureContext(readTlsFiles(init.tls));
      logger.info({ cert: init.tls.certFile }, 'TLS certificate reloaded');
    },
    close() {
      closed ??= (async () => {
        shuttingDown = true;
        logger.info({ rooms: rooms.size, clients: countClients() }, 'shutting down');
        for (const room of rooms.values()) room.announceClosing();
        await colyseus.gracefullyShutdown(false);
        httpServer.closeAllConnections();
        metricsServer?.close();
        metricsServer?.closeAllConnections();
        await cluster?.stop();
        logger.info('stopped');
      })();
      return closed;
    },
  };
}

/**
 * Plain http, or https with `tls` (the files are read and checked first). An https server is an
 * http server to everything here: the same 'request', 'upgrade' and 'connection' events, the same
 * timeouts; `limitConnectionsPerAddress` counts its sockets once their TLS is up.
 */
function createWebServer(tls: TlsFiles | undefined, options: ServerOptions, handler: RequestListener): HttpServer {
  if (tls === undefined) return createServer(options, handler);
  // A handshake that has not finished in this long is dropped (Node's default is 120 s).
  return createHttpsServer({ ...options, ...readTlsFiles(tls), handshakeTimeout: LobbyLimits.httpHeadersTimeoutMs }, handler) as unknown as HttpServer;
}

function listen(server: HttpServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
