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
  /** The client sides, for a cut the server does not see. */
  const clients = new Set<Socket>();
  /** Clients cut without the server seeing it: their upstream stays open. */
  const cutSilently = new WeakSet<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    clients.add(client);
    client.on('close', () => clients.delete(client));
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
    // A silent cut leaves the server's side open and unanswered, as a dropped network does.
    client.on('close', () => {
      if (!cutSilently.has(client)) upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    /**
     * Cut every connection through the proxy, as a network drop would. `serverSees: false`: only
     * the clients' sides close; the server's stay open and hear nothing more (it finds out by its
     * pings, seconds later), as when a player's network goes away without a word.
     */
    cut({ serverSees = true }: { serverSees?: boolean } = {}) {
      if (!serverSees) for (const client of clients) cutSilently.add(client);
      for (const socket of serverSees ? sockets : clients) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
