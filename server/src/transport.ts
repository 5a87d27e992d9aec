import { WebSocketTransport, type TransportOptions } from '@colyseus/ws-transport';
import type { RawData, WebSocket } from 'ws';
import type { Metrics } from './metrics.js';

/** Colyseus' ws transport, counting the bytes of every message in and out for `/metrics`. */
export class CountingTransport extends WebSocketTransport {
  constructor(options: TransportOptions, metrics: Pick<Metrics, 'bytesIn' | 'bytesOut'>) {
    super(options);
    this.wss.on('connection', (socket: WebSocket) => {
      socket.on('message', (data: RawData) => metrics.bytesIn.inc(byteLength(data)));
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
