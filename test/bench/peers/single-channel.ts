/**
 * Lanes over a library's one channel (simple-peer, PeerJS): a leading byte says which lane a
 * message belongs to, as a game multiplexing one channel would do.
 */
import type { Lanes } from './endpoint.js';

const STATE = 0;
const EVENT = 1;

export function singleChannelLanes(send: (bytes: Uint8Array) => void, onMessage: (fn: (bytes: Uint8Array) => void) => void, buffered: () => number): Lanes {
  const listeners: [((bytes: Uint8Array) => void) | null, ((bytes: Uint8Array) => void) | null] = [null, null];
  onMessage((bytes) => listeners[bytes[0] === STATE ? 0 : 1]?.(bytes.subarray(1)));
  const tagged = (tag: number, bytes: Uint8Array) => {
    const out = new Uint8Array(bytes.byteLength + 1);
    out[0] = tag;
    out.set(bytes, 1);
    send(out);
  };
  return {
    sendState: (bytes) => tagged(STATE, bytes),
    sendEvent: (bytes) => tagged(EVENT, bytes),
    onState: (fn) => (listeners[0] = fn),
    onEvent: (fn) => (listeners[1] = fn),
    stateBuffered: buffered,
    eventBuffered: buffered,
  };
}

/** A received message as bytes, whatever the library delivered (ArrayBuffer, a view, a Buffer). */
export function asBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError(`unexpected message type ${Object.prototype.toString.call(data)}`);
}
