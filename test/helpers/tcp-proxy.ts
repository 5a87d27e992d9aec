/**
 * A TCP proxy in front of the lobby server, so a test can cut a client's connection for real:
 * all at once (`cut()`), or at a chosen point of a join (`clientData` sees every chunk a client
 * sends and decides what becomes of it).
 */
import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** One client connection through the proxy, as `clientData` sees it. */
export interface ProxiedConnection {
  /** Chunks the client sent before this one on this connection. */
  readonly chunksBefore: number;
  /** The first chunk's first line (`POST /matchmake/… HTTP/1.1`, `GET /…?sessionId=… HTTP/1.1`). */
  readonly firstLine: string;
}

/** `forward` it; `cut` the connection, both ways; or `swallow` it (a server that never answers). */
export type ChunkVerdict = 'forward' | 'cut' | 'swallow';

export interface ProxyOptions {
  clientData?: (chunk: Buffer, connection: ProxiedConnection) => ChunkVerdict;
}

export async function startProxy(targetPort: number, options: ProxyOptions = {}) {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    let chunksBefore = 0;
    let firstLine = '';
    client.on('data', (chunk: Buffer) => {
      if (chunksBefore === 0) firstLine = chunk.toString('latin1').split('\r\n', 1)[0] ?? '';
      const verdict = options.clientData?.(chunk, { chunksBefore, firstLine }) ?? 'forward';
      chunksBefore++;
      if (verdict === 'forward') upstream.write(chunk);
      else if (verdict === 'cut') {
        client.destroy();
        upstream.destroy();
      }
    });
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    /** Cut every connection through the proxy, as a network drop would. */
    cut() {
      for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
