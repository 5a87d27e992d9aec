/**
 * The events lane's send queue: encoded frames waiting for room in the channel, taken one at a
 * time. A frame larger than the remote's max message size is split into fragments only when it
 * is its turn, one fragment at a time, so a large event never holds its whole fragmented copy in
 * memory and events queued before the handshake (when the limit was unknown) split correctly too.
 */
import type { Bytes, FrameEncoder } from '../wire/codec.js';
import { splitIntoFragments, type FragmentFrameArray } from './fragment.js';

const EMPTY: Bytes = new Uint8Array(0);

export class Outbox {
  #queue: Bytes[] = [];
  #head = 0;
  #fragments: Iterator<FragmentFrameArray> | null = null;
  #nextMessageId = 0;
  /** Bytes of the frames waiting (a frame being sent as fragments no longer counts). */
  bytes = 0;

  constructor(private readonly encoder: FrameEncoder) {}

  push(frame: Bytes): void {
    this.#queue.push(frame);
    this.bytes += frame.byteLength;
  }

  /** The next frame (or fragment) to send, none larger than `limit()`; null when nothing waits. */
  next(limit: () => number): Bytes | null {
    const fragment = this.#fragments?.next();
    if (fragment !== undefined && fragment.done !== true) return this.encoder.encode(fragment.value);
    this.#fragments = null;
    if (this.#head >= this.#queue.length) return null;
    const frame = this.#queue[this.#head] as Bytes;
    this.#queue[this.#head++] = EMPTY;
    this.bytes -= frame.byteLength;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    }
    const max = limit();
    if (frame.byteLength <= max) return frame;
    this.#fragments = splitIntoFragments(frame, this.#nextMessageId, max);
    this.#nextMessageId = (this.#nextMessageId + 1) % 0x1_0000_0000;
    return this.next(limit);
  }

  clear(): void {
    this.#queue = [];
    this.#head = 0;
    this.#fragments = null;
    this.bytes = 0;
  }
}
