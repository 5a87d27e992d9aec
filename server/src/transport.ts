import { WebSocketTransport, type TransportOptions } from '@colyseus/ws-transport';
import type { RawData, WebSocket } from 'ws';
import type { Metrics } from './metrics.js';

/** Colyseus' defaults: a ping every 3 s; a client that missed two is cut off. */
const PING_INTERVAL_MS = 3000;
const PING_MAX_MISSED = 2;
/**
 * Pings go out in this many slices of the clients, one slice every PING_INTERVAL_MS / PING_SLICES
 * (30 ms): 100 pings at a time at 10,000 clients, a millisecond or two of socket writes.
 */
const PING_SLICES = 100;

/**
 * Colyseus' ws transport, counting the bytes of every message in and out for `/metrics`, and
 * pinging clients a slice at a time: Colyseus pings every client in one go (10,000 pings in one
 * event-loop turn at 10,000 clients, a stall for everyone), and only if the HTTP server starts
 * listening after the transport is made, which here it does not (see server.ts). A client that
 * sent a message within the last ping interval is not pinged: it is plainly there.
 */
/** A client socket with the ping bookkeeping: Colyseus' missed-ping count, and ours. */
type Pinged = WebSocket & { pingCount?: number; heard?: boolean };

export class CountingTransport extends WebSocketTransport {
  constructor(options: TransportOptions, metrics: Pick<Metrics, 'bytesIn' | 'bytesOut'>) {
    super({ ...options, pingInterval: 0 });
    const slices = Array.from({ length: PING_SLICES }, () => new Set<WebSocket>());
    let connections = 0;
    let tick = 0;
    const pings = setInterval(() => {
      for (const client of slices[tick++ % PING_SLICES]!) {
        // Colyseus' own bookkeeping: its 'pong' handler sets pingCount back to 0.
        const counted = client as Pinged;
        // Heard from since its slice last came round: plainly alive, no ping needed.
        if (counted.heard === true) {
          counted.heard = false;
          counted.pingCount = 0;
          continue;
        }
        if ((counted.pingCount ?? 0) >= PING_MAX_MISSED) {
          client.terminate();
          continue;
        }
        counted.pingCount = (counted.pingCount ?? 0) + 1;
        client.ping();
      }
    }, PING_INTERVAL_MS / PING_SLICES);
    pings.unref();
    this.server?.on('close', () => clearInterval(pings));
    this.wss.on('connection', (socket: WebSocket) => {
      const slice = slices[connections++ % PING_SLICES]!;
      slice.add(socket);
      socket.once('close', () => slice.delete(socket));
      socket.on('message', (data: RawData) => {
        (socket as Pinged).heard = true;
        metrics.bytesIn.inc(byteLength(data));
      });
      const send = socket.send.bind(socket) as (data: unknown, ...rest: unknown[]) => void;
      socket.send = ((data: unknown, ...rest: unknown[]) => {
        metrics.bytesOut.inc(byteLength(data));
        send(data, ...rest);
      }) as WebSocket['send'];
    });
  }
}

function byteLength(data: unknown): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (Array.isArray(data)) return data.reduce((sum: number, part: unknown) => sum + byteLength(part), 0);
  if (ArrayBuffer.isView(data) || data instanceof ArrayBuffer) return data.byteLength;
  return 0;
}
