import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * At most `perAddress` open TCP connections from one remote address: one host cannot take every
 * socket (and the CPU their requests cost) from everyone else. 0 turns it off, which is right
 * behind a reverse proxy, where every client has the proxy's address.
 */
export function limitConnectionsPerAddress(server: Server, perAddress: number, onRefused: (address: string) => void): void {
  if (perAddress <= 0) return;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const count = open.get(address) ?? 0;
    if (count >= perAddress) {
      onRefused(address);
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
