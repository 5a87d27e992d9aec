import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LobbyLimits, type IceServer } from '@rallypoint/protocol';
import * as v from 'valibot';
import type { AllowedOrigins } from './origins.js';
import type { TlsFiles } from './tls.js';
import type { TurnConfig } from './turn.js';

/**
 * The server's settings, as the CLI reads them from flags and variables. The ranges given here are
 * the CLI's: it refuses a value outside one with a `ConfigError` naming the flag.
 */
export interface ServerConfig {
  /** TCP port to listen on, 0 to 65535; 0: any free port. @default 2567 */
  port: number;
  /** Interface to listen on. @default '0.0.0.0' (every interface, so players on the LAN can reach it) */
  host: string;
  /**
   * Serve https and wss on the port, with this certificate (PEM, with its chain) and key, read
   * again on SIGHUP. `undefined`: plain http and ws (behind a TLS proxy, or on a LAN). @default undefined
   */
  tls: TlsFiles | undefined;
  /** Folder served at `/`. `undefined`: a small status page. @default the demo game's build, in the repository; else undefined */
  staticDir: string | undefined;
  /** STUN/TURN servers handed to every member. @default [] */
  iceServers: IceServer[];
  /** The TURN server members get credentials for. @default undefined (no TURN) */
  turn: TurnConfig | undefined;
  /**
   * Key of the restore tokens members prove their place with after a restart. Give every process
   * (and every restart) of one lobby the same secret; 16 characters or more. @default a random one per process
   */
  restoreSecret: string | undefined;
  /**
   * Seconds a restore claim is honoured after it is issued (members get a fresh one every third
   * of it while connected); whole seconds, 3 or more. @default 240
   */
  restoreClaimSeconds: number;
  /**
   * Web pages allowed to use the lobby, by origin (`https://game.example.org`): a page from any
   * other origin is answered 403 on matchmaking and on its WebSocket. Requests with no origin
   * (Node players, bots) and pages the lobby serves itself are always allowed. @default '*' (any page)
   */
  allowOrigins: AllowedOrigins;
  /** Open TCP connections allowed from one address, a whole number (0: no limit, e.g. behind a reverse proxy). @default 64 */
  connectionsPerAddress: number;
  /** Largest HTTP request body read, 256 bytes to 16 MiB; bigger ones are answered 413, unread. @default 4096 */
  maxBodyBytes: number;
  /**
   * `Access-Control-Allow-Origin` on `/rooms/CODE` answers, for a game page served from another
   * origin than the lobby (its failed joins then say "full" or "closed", not "not found").
   * `undefined`: none, same origin only. @default undefined
   */
  corsOrigin: string | undefined;
  /**
   * Where `/metrics` is served instead of the main port (`host:port`, e.g. `127.0.0.1:9464`), so
   * only the machine or its monitoring network can read it. `undefined`: on the main port. @default undefined
   */
  metricsListen: { host: string; port: number } | undefined;
  /** Bearer token `/metrics` asks for (`Authorization: Bearer TOKEN`), 16 characters or more. `undefined`: none. @default undefined */
  metricsToken: string | undefined;
  /**
   * Relay budget per member, in bytes a second, for links with no direct path (they carry their
   * lanes through this server instead); a whole number, 0: no relaying. @default 524288 (512 KiB/s)
   */
  relayBytesPerSecond: number;
  /**
   * Whether links start on the relay while their direct path is made (first message at lobby
   * speed; the server relays each pair for a moment, and for good where no direct path works),
   * or only fall back to it after 5 s without one. @default true
   */
  relayFirst: boolean;
  /**
   * Redis to share the lobby through, for several processes (or machines) behind one address:
   * rooms, codes, matchmaking, the live list and the HTTP limits span them all.
   * `undefined`: one process, everything in memory. @default undefined
   */
  redisUrl: string | undefined;
  /**
   * Where players reach this very process (`host:port`, or `host/path` behind a proxy), handed
   * out for the sockets of the rooms it holds. Needed with `redisUrl`. @default the `--host`
   * and port it listens on, when `--host` is an address players can reach (not 0.0.0.0)
   */
  publicAddress: string | undefined;
  /**
   * Addresses of reverse proxies whose `X-Forwarded-For` is believed: requests through them count
   * against the address the proxy saw, not the proxy's. @default [] (believe no one)
   */
  trustProxy: string[];
  /** HTTP requests one address may make per `LobbyLimits.httpLimitWindowSeconds`. @default LobbyLimits' */
  httpLimits: HttpLimits;
  /** pino level. @default 'info' */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

/** What one address may ask of the lobby over HTTP in each `LobbyLimits.httpLimitWindowSeconds`. */
export interface HttpLimits {
  /** Matchmaking requests (create, join by code, quick match, reconnect, the live list); a whole number, 0: no limit. */
  matchmake: number;
  /** `/rooms/CODE` look-ups; a whole number, 0: no limit. */
  probes: number;
  /** Rooms created (`create` requests, counted on top of `matchmake`); a whole number, 0: no limit. */
  creates: number;
}

/** One of the per-address HTTP budgets (and the label of `rallypoint_http_limited_total`). */
export type HttpLimitKind = keyof HttpLimits;

/** Every flag, its environment variable and its help line. The README's table is this one. */
export const flags = {
  port: { env: 'RALLYPOINT_PORT', help: 'TCP port (0: any free port). Also reads PORT.', default: '2567' },
  host: { env: 'RALLYPOINT_HOST', help: 'Interface to listen on.', default: '0.0.0.0' },
  'tls-cert': { env: 'RALLYPOINT_TLS_CERT', help: 'PEM certificate (with its chain) to serve https and wss with; read again on SIGHUP. Goes with --tls-key.', default: undefined },
  'tls-key': { env: 'RALLYPOINT_TLS_KEY', help: 'PEM private key of --tls-cert.', default: undefined },
  static: { env: 'RALLYPOINT_STATIC', help: 'Folder served at / (default: the demo game build in a clone; a status page if none).', default: undefined },
  'ice-servers': { env: 'RALLYPOINT_ICE_SERVERS', help: 'JSON array of ICE servers (RTCIceServer) given to every player, e.g. [{"urls":"stun:stun.example.org:3478"}].', default: '[]' },
  'turn-secret': { env: 'RALLYPOINT_TURN_SECRET', help: 'TURN REST API shared secret (coturn static-auth-secret); enables ephemeral TURN credentials.', default: undefined },
  'turn-urls': { env: 'RALLYPOINT_TURN_URLS', help: 'Comma-separated turn:/turns: URLs of that TURN server.', default: undefined },
  'turn-ttl': { env: 'RALLYPOINT_TURN_TTL', help: 'TURN credential lifetime in seconds.', default: '3600' },
  'restore-secret': { env: 'RALLYPOINT_RESTORE_SECRET', help: 'Secret (16+ characters) that restore tokens are made with; the same across restarts lets rooms re-form after one.', default: undefined },
  'restore-claim-seconds': { env: 'RALLYPOINT_RESTORE_CLAIM_SECONDS', help: 'Seconds a restore claim is honoured after it is issued (renewed every third of it).', default: String(LobbyLimits.restoreClaimSeconds) },
  'max-body-bytes': { env: 'RALLYPOINT_MAX_BODY_BYTES', help: 'Largest HTTP request body read; bigger ones get 413, unread.', default: String(LobbyLimits.httpMaxBodyBytes) },
  'allow-origins': { env: 'RALLYPOINT_ALLOW_ORIGINS', help: 'Comma-separated origins of the game pages allowed to use the lobby (others get 403), or * for any. Pages it serves itself are always allowed.', default: '*' },
  'cors-origin': { env: 'RALLYPOINT_CORS_ORIGIN', help: 'Access-Control-Allow-Origin for /rooms/CODE (* or a game page origin) when the game is served elsewhere.', default: undefined },
  'metrics-listen': { env: 'RALLYPOINT_METRICS_LISTEN', help: 'host:port to serve /metrics on instead of the main port, e.g. 127.0.0.1:9464.', default: undefined },
  'metrics-token': { env: 'RALLYPOINT_METRICS_TOKEN', help: 'Bearer token /metrics asks for (Authorization: Bearer TOKEN).', default: undefined },
  'connections-per-address': { env: 'RALLYPOINT_CONNECTIONS_PER_ADDRESS', help: 'Open connections allowed from one IP address; 0: no limit (behind a reverse proxy).', default: String(LobbyLimits.connectionsPerAddress) },
  'relay-bytes-per-second': { env: 'RALLYPOINT_RELAY_BYTES_PER_SECOND', help: 'Relay budget per member for links with no direct path, in bytes a second; 0 turns relaying off.', default: String(LobbyLimits.relayBytesPerSecond) },
  'relay-first': { env: 'RALLYPOINT_RELAY_FIRST', help: 'true: links open on the relay at once and move to a direct path when it is confirmed; false: the relay only after 5 s without one.', default: 'true' },
  redis: { env: 'RALLYPOINT_REDIS_URL', help: 'redis:// URL to share the lobby through, across processes and machines (default: one process, in memory).', default: undefined },
  'public-address': { env: 'RALLYPOINT_PUBLIC_ADDRESS', help: "Where players reach this process (host:port, or host/path behind a proxy), for its rooms' sockets; needed with --redis unless --host is reachable.", default: undefined },
  'trust-proxy': { env: 'RALLYPOINT_TRUST_PROXY', help: 'Comma-separated proxy addresses whose X-Forwarded-For names the client, for the per-address limits.', default: undefined },
  'matchmake-per-address': { env: 'RALLYPOINT_MATCHMAKE_PER_ADDRESS', help: `Matchmaking requests per address per ${LobbyLimits.httpLimitWindowSeconds} s; 0: no limit.`, default: String(LobbyLimits.matchmakePerAddress) },
  'probes-per-address': { env: 'RALLYPOINT_PROBES_PER_ADDRESS', help: `/rooms/CODE look-ups per address per ${LobbyLimits.httpLimitWindowSeconds} s; 0: no limit.`, default: String(LobbyLimits.probesPerAddress) },
  'creates-per-address': { env: 'RALLYPOINT_CREATES_PER_ADDRESS', help: `Rooms created per address per ${LobbyLimits.httpLimitWindowSeconds} s; 0: no limit.`, default: String(LobbyLimits.createsPerAddress) },
  'log-level': { env: 'RALLYPOINT_LOG_LEVEL', help: 'fatal, error, warn, info, debug, trace or silent.', default: 'info' },
} as const;

const iceServersSchema = v.array(
  v.object({
    urls: v.union([v.pipe(v.string(), v.regex(/^(stun|stuns|turn|turns):/)), v.array(v.pipe(v.string(), v.regex(/^(stun|stuns|turn|turns):/)))]),
    username: v.optional(v.string()),
    credential: v.optional(v.string()),
  }),
);
const configSchema = v.object({
  port: v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0), v.maxValue(65535)),
  host: v.pipe(v.string(), v.minLength(1)),
  'tls-cert': v.optional(v.pipe(v.string(), v.minLength(1))),
  'tls-key': v.optional(v.pipe(v.string(), v.minLength(1))),
  static: v.optional(v.string()),
  'ice-servers': v.pipe(v.string(), v.parseJson(), iceServersSchema),
  'turn-secret': v.optional(v.pipe(v.string(), v.minLength(1))),
  'turn-urls': v.optional(v.pipe(v.string(), v.transform((s) => s.split(',').map((u) => u.trim()).filter(Boolean)), v.array(v.pipe(v.string(), v.regex(/^turns?:/, 'TURN URLs start with turn: or turns:'))))),
  'turn-ttl': v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(60)),
  'restore-secret': v.optional(v.pipe(v.string(), v.minLength(16, 'the restore secret needs at least 16 characters'))),
  'restore-claim-seconds': v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(3)),
  'max-body-bytes': v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(256), v.maxValue(16 * 1024 * 1024)),
  'allow-origins': v.pipe(
    v.string(),
    v.transform((s) => (s.trim() === '*' ? '*' : s.split(',').map((o) => o.trim().replace(/\/$/, '')).filter(Boolean))),
    v.union([v.literal('*'), v.pipe(v.array(v.pipe(v.string(), v.regex(/^https?:\/\/[^\s/]+$/, 'origins look like https://game.example.org (scheme, host, port; no path)'))), v.minLength(1, 'at least one origin, or *'))]),
  ),
  'cors-origin': v.optional(v.pipe(v.string(), v.regex(/^(\*|https?:\/\/[^\s/]+)$/, '* or an origin (https://host[:port])'))),
  'metrics-listen': v.optional(v.pipe(v.string(), v.regex(/^(\[[0-9a-fA-F:]+\]|[^\s:/[\]]+):\d{1,5}$/, 'host:port'))),
  'metrics-token': v.optional(v.pipe(v.string(), v.minLength(16, 'the metrics token needs at least 16 characters'))),
  'connections-per-address': v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0)),
  'relay-bytes-per-second': v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0)),
  'relay-first': v.pipe(v.picklist(['true', 'false']), v.transform((s) => s === 'true')),
  redis: v.optional(v.pipe(v.string(), v.regex(/^rediss?:\/\/[^\s]+$/, 'a redis:// or rediss:// URL'))),
  'public-address': v.optional(v.pipe(v.string(), v.regex(/^[^\s/:]+(:\d{1,5})?(\/[^\s]*)?$/, 'host[:port][/path], without a scheme'))),
  'trust-proxy': v.optional(v.pipe(v.string(), v.transform((s) => s.split(',').map((a) => a.trim()).filter(Boolean)))),
  'matchmake-per-address': v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0)),
  'probes-per-address': v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0)),
  'creates-per-address': v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0)),
  'log-level': v.picklist(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
});

/** A flag or variable with a value the server cannot use (the CLI exits with code 2). */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The `--help` text: every flag, its variable and its default. */
export function usage(): string {
  const lines = ['Usage: rallypoint-server [options]', '', 'Options (each also read from its environment variable; a flag wins):'];
  for (const [name, flag] of Object.entries(flags)) lines.push(`  --${name.padEnd(24)} ${flag.env.padEnd(36)} ${flag.help}${flag.default ? ` (default: ${flag.default})` : ''}`);
  lines.push('  --version', '  --help');
  return lines.join('\n');
}

/**
 * Flags, then environment variables, then defaults. util.parseArgs is Node's own, which is all a
 * handful of long options needs; valibot (already here for the protocol) checks the values.
 */
export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv, defaultStaticDir: string | undefined): ServerConfig | 'help' | 'version' {
  const options = Object.fromEntries(Object.keys(flags).map((name) => [name, { type: 'string' as const }]));
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } }, strict: true, allowPositionals: false });
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}\n\n${usage()}`, { cause: error });
  }
  if (parsed.values.help === true) return 'help';
  if (parsed.values.version === true) return 'version';
  const raw: Record<string, string | undefined> = {};
  /** Where each value came from, to name it in an error: the flag, or the variable that set it. */
  const source: Record<string, string> = {};
  for (const [name, flag] of Object.entries(flags)) {
    const fromFlag = (parsed.values as Record<string, string | boolean | undefined>)[name];
    const fromEnv = env[flag.env] !== undefined ? flag.env : name === 'port' && env.PORT !== undefined ? 'PORT' : undefined;
    raw[name] = typeof fromFlag === 'string' ? fromFlag : fromEnv !== undefined ? env[fromEnv] : flag.default;
    source[name] = typeof fromFlag === 'string' || fromEnv === undefined ? `--${name}` : `${fromEnv} (--${name})`;
  }
  const result = v.safeParse(configSchema, raw);
  if (!result.success) {
    const issue = result.issues[0];
    const name = String(issue.path?.[0]?.key);
    throw new ConfigError(`${source[name] ?? `--${name}`}: ${issue.message}`);
  }
  const c = result.output;
  if ((c['turn-secret'] === undefined) !== (c['turn-urls'] === undefined)) throw new ConfigError('--turn-secret and --turn-urls go together');
  if ((c['tls-cert'] === undefined) !== (c['tls-key'] === undefined)) throw new ConfigError('--tls-cert and --tls-key go together');
  if (c.redis !== undefined && c['public-address'] === undefined && isAnyAddress(c.host)) {
    throw new ConfigError(`--redis needs --public-address: where players reach this process (host:port), since --host ${c.host} is every interface`);
  }
  if (c.static !== undefined && !isFolder(c.static)) throw new ConfigError(`${source.static}: no folder at ${c.static}`);
  return {
    port: c.port,
    host: c.host,
    tls: c['tls-cert'] !== undefined && c['tls-key'] !== undefined ? { certFile: c['tls-cert'], keyFile: c['tls-key'] } : undefined,
    staticDir: c.static ?? defaultStaticDir,
    iceServers: c['ice-servers'] as IceServer[],
    turn: c['turn-secret'] !== undefined && c['turn-urls'] !== undefined ? { secret: c['turn-secret'], urls: c['turn-urls'], ttlSeconds: c['turn-ttl'] } : undefined,
    restoreSecret: c['restore-secret'],
    restoreClaimSeconds: c['restore-claim-seconds'],
    connectionsPerAddress: c['connections-per-address'],
    maxBodyBytes: c['max-body-bytes'],
    corsOrigin: c['cors-origin'],
    allowOrigins: c['allow-origins'],
    metricsListen: c['metrics-listen'] === undefined ? undefined : hostPort(c['metrics-listen']),
    metricsToken: c['metrics-token'],
    relayBytesPerSecond: c['relay-bytes-per-second'],
    relayFirst: c['relay-first'],
    redisUrl: c.redis,
    publicAddress: c['public-address'],
    trustProxy: c['trust-proxy'] ?? [],
    httpLimits: { matchmake: c['matchmake-per-address'], probes: c['probes-per-address'], creates: c['creates-per-address'] },
    logLevel: c['log-level'],
  };
}

/** `host:port` or `[v6]:port`, split. */
function hostPort(value: string): { host: string; port: number } {
  const at = value.lastIndexOf(':');
  return { host: value.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(value.slice(at + 1)) };
}

/** 0.0.0.0 or ::, which a player cannot connect to. */
export function isAnyAddress(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // missing or unreadable: the caller reports it as no folder
  }
}
