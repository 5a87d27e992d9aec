import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Request bodies, bounded: the lobby reads at most a few KiB of any request (matchmaking options;
 * nothing else takes a body). A body declared bigger is refused before a byte of it is read, one
 * that turns out bigger (chunked) as soon as it does; either way the connection closes once the
 * 413 is out, so the rest is never buffered. Slow bodies end at the server's request timeout.
 */

/**
 * Whether the request says its body is over `maxBytes` (Content-Length), or, for a route that
 * reads no body (`readsBody` false), that it has one of unknown length (chunked): Node would
 * drain it after the answer, however long it is.
 */
export function declaredTooLarge(req: IncomingMessage, maxBytes: number, readsBody: boolean): boolean {
  if (!readsBody && req.headers['transfer-encoding'] !== undefined) return true;
  const length = Number(req.headers['content-length'] ?? 0);
  return !Number.isFinite(length) || length > maxBytes;
}

/**
 * 413, in the lobby's error shape, and the connection closes after it: the rest is not read.
 * Closing a socket with unread data resets it, and a reset can reach the client before it reads
 * the answer; so the close lingers (as nginx's does): the answer and a FIN go out at once, and
 * the socket, reading nothing more, is destroyed `BODY_LINGER_MS` later. It does not count
 * against its address's connection limit meanwhile (it cannot see its client close: it is not
 * reading), but against an allowance of its own (`linger`).
 */
export function refuseBody(req: IncomingMessage, res: ServerResponse, maxBytes: number, linger: (socket: Socket) => boolean, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // Node drains ("dumps") an unread body after the answer, as fast as it comes: read(0) marks the
  // body as taken, so instead the socket stops reading once its buffers are full.
  req.pause();
  req.read(0);
  const socket = res.socket as (Socket & { destroySoon?: () => void }) | null;
  if (socket !== null) {
    // Node calls destroySoon once a `connection: close` answer is out.
    socket.destroySoon = () => {
      // Lingering connections have an allowance of their own (see ConnectionLimit.linger): past
      // it, closed at once, and the client may miss its answer.
      if (!linger(socket)) return void socket.destroy();
      socket.end();
      setTimeout(() => socket.destroy(), BODY_LINGER_MS).unref();
    };
  }
  res.writeHead(413, { 'content-type': 'application/json', 'cache-control': 'no-store', connection: 'close', ...headers });
  res.end(JSON.stringify({ code: 413, error: `request body over ${maxBytes} bytes (the server's --max-body-bytes)` }));
}

/** How long a refused connection stays half-open for its client to read the 413. */
const BODY_LINGER_MS = 1000;

/** The body, if it is at most `maxBytes`; 'too-large' as soon as it is not; 'aborted' if the client went away. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size <= maxBytes) return void chunks.push(chunk);
      req.off('data', onData);
      req.pause();
      resolve('too-large');
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    // A client that goes away mid-body is no server failure (and no log line): 'close' comes
    // after 'end' too, when it no longer matters.
    req.once('close', () => resolve('aborted'));
    req.once('error', () => resolve('aborted'));
  });
}
