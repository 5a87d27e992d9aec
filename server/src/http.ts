import type { IncomingMessage, ServerResponse } from 'node:http';
import { normalizeRoomCode, type RoomStatus } from '@rallypoint/protocol';
import sirv from 'sirv';
import type { Metrics } from './metrics.js';

export interface HttpContext {
  metrics: Metrics;
  staticDir: string | undefined;
  startedAt: number;
  now: () => number;
  shuttingDown: () => boolean;
  rooms: () => number;
  clients: () => number;
  roomStatus: (code: string) => RoomStatus['status'];
}

/**
 * Plain HTTP beside the lobby: health, metrics, room status by code, and the game's files.
 * Colyseus puts its `/matchmake/` routes in front of this handler.
 */
export function createHttpHandler(ctx: HttpContext) {
  const serveStatic = ctx.staticDir === undefined ? undefined : sirv(ctx.staticDir, { dev: false, etag: true, gzip: false, brotli: false });
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://server');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
    if (url.pathname === '/healthz') {
      const body = { status: ctx.shuttingDown() ? 'shutting-down' : 'ok', uptimeSeconds: Math.round((ctx.now() - ctx.startedAt) / 1000), rooms: ctx.rooms(), clients: ctx.clients() };
      return send(res, ctx.shuttingDown() ? 503 : 200, 'application/json', JSON.stringify(body));
    }
    if (url.pathname === '/metrics') {
      ctx.metrics.registry.metrics().then(
        (text) => send(res, 200, ctx.metrics.registry.contentType, text),
        (error: unknown) => send(res, 500, 'text/plain', `metrics failed: ${String(error)}\n`),
      );
      return;
    }
    const roomMatch = /^\/rooms\/([^/]{1,32})$/.exec(url.pathname);
    if (roomMatch !== null) {
      const code = normalizeRoomCode(decodeURIComponent(roomMatch[1] ?? ''));
      const body: RoomStatus = { code: code ?? '', status: code === undefined ? 'not-found' : ctx.roomStatus(code) };
      return send(res, 200, 'application/json', JSON.stringify(body), { 'access-control-allow-origin': '*' });
    }
    if (serveStatic !== undefined) return serveStatic(req, res, () => send(res, 404, 'text/plain', 'not found\n'));
    if (url.pathname === '/') return send(res, 200, 'text/html; charset=utf-8', statusPage(ctx));
    send(res, 404, 'text/plain', 'not found\n');
  };
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
