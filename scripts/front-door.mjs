// The front door of a local lobby cluster: one port for several lobby processes, the way a load
// balancer would stand in front of them. HTTP (matchmaking, /rooms/CODE, the game's files) goes
// round-robin to the processes that answer; a process that refuses the connection or is shutting
// down (503) is skipped and the request tried on the next. Room sockets do not come here: each
// process hands out its own --public-address, and players connect to it directly.
// For local trials and the cluster tests; in production, use your load balancer.
import { createServer, request } from 'node:http';

/** Largest request body buffered (to try it on another process): matchmaking bodies are small. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * @param {{ backends: string[], port?: number, host?: string }} options backends: `http://host:port` of each lobby process
 * @returns {Promise<{ url: string, port: number, setBackends(backends: string[]): void, close(): Promise<void> }>}
 */
export async function startFrontDoor({ backends, port = 0, host = '127.0.0.1' }) {
  let targets = backends.map((b) => new URL(b));
  let next = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413).end();
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const start = next++ % Math.max(1, targets.length);
      const attempt = (tried) => {
        if (tried >= targets.length) return void (res.headersSent || res.writeHead(502, { 'content-type': 'text/plain' }).end('no lobby process answered\n'));
        const target = targets[(start + tried) % targets.length];
        const forwarded = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
        const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host, 'x-forwarded-for': forwarded } }, (answer) => {
          if (answer.statusCode === 503 && tried + 1 < targets.length) {
            answer.resume();
            return attempt(tried + 1);
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        upstream.on('error', () => {
          if (res.headersSent) res.destroy();
          else attempt(tried + 1);
        });
        upstream.end(body);
      };
      attempt(0);
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(undefined));
  });
  const bound = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  return {
    url: `http://${host}:${bound}`,
    port: bound,
    setBackends(list) {
      targets = list.map((b) => new URL(b));
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
