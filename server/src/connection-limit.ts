import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import type { Duplex } from 'node:stream';
import { LobbyErrorCode } from '@rallypoint/protocol';

/** Which connections are over their address's limit: their requests and upgrades are refused by name. */
export interface ConnectionLimit {
  /** Whether this connection came in over its address's limit. */
  refused(socket: Socket | Duplex): boolean;
  /** What a refused connection is told (a close reason fits in 123 bytes). */
  readonly reason: string;
  /**
   * This connection was answered and only lingers until it closes (see bodies.ts): it no longer
   * counts against its address's open connections, but against a linger allowance of the same
   * size. False when that is full: close it at once.
   */
  linger(socket: Socket): boolean;
}

/**
 * At most `perAddress` open TCP connections from one remote address: one host cannot take every
 * socket (and the CPU their requests cost) from everyone else. 0 turns it off, which is right
 * behind a reverse proxy, where every client has the proxy's address.
 *
 * A connection over the limit is not dropped without a word: its one request is answered (HTTP
 * 429, or a WebSocket closed with `LobbyCloseCode.TooManyConnections`, since browsers hide the
 * status of a failed upgrade) with a reason that names the flag, and then it closes. Another
 * `perAddress` of those may wait for their answer at once; past that they are closed unanswered.
 */
export function limitConnectionsPerAddress(server: Server, perAddress: number, onRefused: (address: string) => void): ConnectionLimit {
  const refusedSockets = new WeakSet<Socket | Duplex>();
  const open = new Map<string, number>();
  const refusing = new Map<string, number>();
  const lingering = new Map<string, number>();
  /** How to stop counting each socket where it is counted now. */
  const releases = new WeakMap<Socket, () => void>();
  /** Count `socket` against `address` in `counts` until it closes (or is counted elsewhere). */
  const track = (counts: Map<string, number>, address: string, socket: Socket) => {
    counts.set(address, (counts.get(address) ?? 0) + 1);
    const release = () => {
      socket.off('close', release);
      releases.delete(socket);
      const left = (counts.get(address) ?? 1) - 1;
      if (left <= 0) counts.delete(address);
      else counts.set(address, left);
    };
    releases.set(socket, release);
    socket.once('close', release);
  };
  const limit: ConnectionLimit = {
    refused: (socket) => refusedSockets.has(socket),
    reason: `too many connections from this address (${perAddress}; the server's --connections-per-address)`,
    linger(socket) {
      if (perAddress <= 0) return true;
      const address = socket.remoteAddress ?? '';
      if ((lingering.get(address) ?? 0) >= perAddress) return false;
      releases.get(socket)?.();
      track(lingering, address, socket);
      return true;
    },
  };
  if (perAddress <= 0) return limit;
  // Over TLS the sockets requests come on are the TLS ones, made once the handshake is done (a
  // handshake still under way is bounded by the server's handshakeTimeout instead).
  server.on(server instanceof TlsServer ? 'secureConnection' : 'connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    if ((open.get(address) ?? 0) < perAddress) return track(open, address, socket);
    onRefused(address);
    if ((refusing.get(address) ?? 0) >= perAddress) return void socket.destroy();
    refusedSockets.add(socket);
    track(refusing, address, socket);
  });
  return limit;
}

/** The HTTP answer to a request on a refused connection, in the lobby's error shape. */
export function tooManyConnectionsBody(limit: ConnectionLimit): string {
  return JSON.stringify({ code: LobbyErrorCode.TooManyConnections, error: limit.reason });
}
