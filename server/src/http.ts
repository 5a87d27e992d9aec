import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { normalizeRoomCode, type RoomStatus } from '@rallypoint/protocol';
import sirv from 'sirv';
import { tooManyRequests, unavailable, type HttpLimiter } from './http-limits.js';
import type { Metrics } from './metrics.js';

export interface HttpContext {
  metrics: Metrics;
  staticDir: string | undefined;
  startedAt: number;
  now: () => number;
  shuttingDown: () => boolean;
  rooms: () => number;
  clients: () => number;
  /** The status of a room by code, wherever in the lobby it lives. */
  roomStatus: (code: string) => Promise<RoomStatus['status']>;
  limiter: HttpLimiter;
  /** Whether room look-ups can work now (clustered: Redis is connected). */
  available: () => boolean;
  /** A request answered 400: its target could not be parsed, or (`error`) a handler threw on it. */
  onBadRequest: (req: IncomingMessage, error?: unknown) => void;
  /** A request answered 500: its answer failed on the way (Redis away, say). */
  onFailed: (req: IncomingMessage, error: unknown) => void;
  /** `Access-Control-Allow-Origin` for `/rooms/CODE`; undefined: none. */
  corsOrigin: string | undefined;
  /** Whether `/metrics` is served here (not when it has a listener of its own). */
  metricsHere: boolean;
  /** The bearer token `/metrics` asks for; undefined: none. */
  metricsToken: string | undefined;
}

/**
 * The game's files as they are on disk at each request: sirv's `dev` mode reads each file's size
 * and time when asked (its other mode lists the folder once, at start, and then serves a rebuilt
 * file with its old length: truncated). With `etag`, a browser revalidates (`Cache-Control:
 * no-cache`) and gets 304 while the file is unchanged. That mode does not apply sirv's `dotfiles`
 * option, so hidden files and folders (`.env`, `.git/`) are refused here, `/.well-known/` aside.
 */
function staticFiles(dir: string): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  const files = sirv(dir, { dev: true, etag: true, gzip: false, brotli: false });
  return (req, res, next) => {
    const pathname = requestPath(req.url) ?? '';
    if (/(^|\/)\.(?!well-known(\/|$))/.test(decodePathSegment(pathname) ?? pathname)) return next();
    files(req, res, next);
  };
}

/**
 * Plain HTTP beside the lobby: health, metrics, room status by code, and the game's files.
 * Colyseus puts its `/matchmake/` routes in front of this handler.
 */
export function createHttpHandler(ctx: HttpContext) {
  const serveStatic = ctx.staticDir === undefined ? undefined : staticFiles(ctx.staticDir);
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const pathname = requestPath(req.url);
    if (pathname === undefined) return badRequest(req, res, 'bad request target');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
    if (pathname === '/healthz') {
      const body = { status: ctx.shuttingDown() ? 'shutting-down' : 'ok', uptimeSeconds: Math.round((ctx.now() - ctx.startedAt) / 1000), rooms: ctx.rooms(), clients: ctx.clients() };
      return send(res, ctx.shuttingDown() ? 503 : 200, 'application/json', JSON.stringify(body));
    }
    if (pathname === '/metrics' && ctx.metricsHere) return serveMetrics(req, res, ctx);
    const roomMatch = /^\/rooms\/([^/]{1,32})$/.exec(pathname);
    if (roomMatch !== null) {
      const typed = decodePathSegment(roomMatch[1] ?? '');
      if (typed === undefined) return badRequest(req, res, 'bad room code');
      const code = normalizeRoomCode(typed);
      const cors = ctx.corsOrigin === undefined ? {} : { 'access-control-allow-origin': ctx.corsOrigin, vary: 'Origin' };
      void (async () => {
        const waitMs = await ctx.limiter.take('probes', ctx.limiter.address(req));
        if (waitMs !== undefined) {
          ctx.metrics.httpLimited.inc({ kind: 'probes' });
          return tooManyRequests(res, waitMs, 'room look-ups', cors);
        }
        if (!ctx.available()) return unavailable(res, cors);
        let status: RoomStatus['status'] = 'not-found';
        try {
          if (code !== undefined) status = await ctx.roomStatus(code);
        } catch (error) {
          // The look-up needs Redis when clustered: it went away on the way.
          ctx.onFailed(req, error);
          return unavailable(res, cors);
        }
        const body: RoomStatus = { code: code ?? '', status };
        send(res, 200, 'application/json', JSON.stringify(body), cors);
      })().catch((error: unknown) => failed(req, res, error, ctx.onFailed));
      return;
    }
    if (serveStatic !== undefined) return serveStatic(req, res, () => send(res, 404, 'text/plain', 'not found\n'));
    if (pathname === '/') return send(res, 200, 'text/html; charset=utf-8', statusPage(ctx));
    send(res, 404, 'text/plain', 'not found\n');
  };
  // No request may throw out of here: a listener of the HTTP server's 'request' event that throws
  // ends the process, and with it every room.
  return (req: IncomingMessage, res: ServerResponse): void => {
    try {
      handle(req, res);
    } catch (error) {
      if (!res.headersSent) badRequest(req, res, 'bad request', error);
      else {
        ctx.onBadRequest(req, error);
        res.destroy();
      }
    }
  };
  function badRequest(req: IncomingMessage, res: ServerResponse, what: string, error?: unknown): void {
    ctx.onBadRequest(req, error);
    send(res, 400, 'text/plain', `${what}\n`);
  }
}

/** The handler of `/metrics`' own listener (`--metrics-listen`): nothing else is served there. */
export function createMetricsHandler(ctx: Pick<HttpContext, 'metrics' | 'metricsToken' | 'onFailed'>) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (requestPath(req.url) === '/metrics') return serveMetrics(req, res, ctx);
    send(res, 404, 'text/plain', 'not found\n');
  };
}

/**
 * `/metrics`, on the main port or a listener of its own: with a token configured, only for
 * `Authorization: Bearer TOKEN` (compared in constant time).
 */
function serveMetrics(req: IncomingMessage, res: ServerResponse, ctx: Pick<HttpContext, 'metrics' | 'metricsToken' | 'onFailed'>): void {
  if (ctx.metricsToken !== undefined && !bearerMatches(req.headers.authorization, ctx.metricsToken)) {
    return send(res, 401, 'text/plain', 'metrics need a token (Authorization: Bearer ...)\n', { 'www-authenticate': 'Bearer' });
  }
  ctx.metrics.registry
    .metrics()
    .then((text) => send(res, 200, ctx.metrics.registry.contentType, text))
    .catch((error: unknown) => failed(req, res, error, ctx.onFailed));
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = createHash('sha256').update(header ?? '').digest();
  return timingSafeEqual(given, createHash('sha256').update(`Bearer ${token}`).digest());
}

/** A request whose answer failed on the way (Redis away, say): 500 if nothing was sent yet. */
function failed(req: IncomingMessage, res: ServerResponse, error: unknown, onFailed: HttpContext['onFailed']): void {
  onFailed(req, error);
  if (res.headersSent) res.destroy();
  else send(res, 500, 'text/plain', `failed: ${String((error as Error)?.message ?? error).slice(0, 200)}\n`);
}

/**
 * The path of an origin-form request target (`/a/b?c`), or undefined for anything else. Parsed by
 * hand: `new URL()` reads `//host:port` as an authority and throws on a bad port.
 */
function requestPath(target: string | undefined): string | undefined {
  if (target === undefined || !target.startsWith('/') || target.startsWith('//')) return undefined;
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}

/** A percent-decoded path segment, or undefined if its escapes are malformed. */
function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined; // URIError: malformed escape; the caller answers 400
  }
}

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
  res.end(body);
}

function statusPage(ctx: HttpContext): string {
  return `<!doctype html><meta charset="utf-8"><title>rallypoint lobby</title>
<style>body{font:16px system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}code{background:#eee;padding:0 .2em}</style>
<h1>rallypoint lobby server</h1>
<p>Running: ${ctx.rooms()} rooms, ${ctx.clients()} players.</p>
<p>No game build to serve here (start with <code>--static DIR</code> to serve one). Health: <a href="/healthz">/healthz</a>, metrics: <a href="/metrics">/metrics</a>.</p>
`;
}
