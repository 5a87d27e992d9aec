/**
 * Events larger than the remote's max message size travel as fragments of the encoded frame and
 * are put back together here. The sender sends one message's fragments back to back, but the
 * reassembler keys them by message id so interleaved messages still reassemble; it bounds memory
 * by `maxMessageBytes` per message and by how many messages may be incomplete at once.
 */
import { FragmentError } from '../errors.js';
import { FrameKind, type FragmentFrame } from '../wire/frames.js';

/** Room left in each fragment for the msgpack framing around its bytes (kind, ids, bin header). */
export const FRAGMENT_OVERHEAD_BYTES = 24;

export type FragmentFrameArray = [typeof FrameKind.Fragment, number, number, number, Uint8Array];

/** Splits an encoded frame into fragment frames (arrays ready for the encoder), lazily. */
export function* splitIntoFragments(encoded: Uint8Array, messageId: number, maxMessageSize: number): Generator<FragmentFrameArray> {
  const chunkBytes = maxMessageSize - FRAGMENT_OVERHEAD_BYTES;
  if (chunkBytes <= 0) throw new RangeError(`maxMessageSize ${maxMessageSize} leaves no room for fragment data`);
  const count = Math.ceil(encoded.byteLength / chunkBytes);
  for (let index = 0; index < count; index++) {
    const bytes = encoded.subarray(index * chunkBytes, Math.min(encoded.byteLength, (index + 1) * chunkBytes));
    yield [FrameKind.Fragment, messageId, index, count, bytes];
  }
}

export interface ReassemblerOptions {
  /** Largest reassembled message accepted, in bytes. */
  maxMessageBytes: number;
  /** How many messages may be incomplete at once before the oldest is dropped. */
  maxIncomplete: number;
  /**
   * Bytes held in all incomplete messages together; a fragment that would go past it drops its
   * message. An honest sender sends one message's fragments back to back, so one at a time.
   */
  maxBufferedBytes: number;
}

interface Partial {
  count: number;
  next: number;
  bytes: number;
  chunks: Uint8Array[];
}

export type ReassemblyResult =
  | { status: 'partial' }
  | { status: 'complete'; bytes: Uint8Array }
  | { status: 'dropped'; error: FragmentError };

export class Reassembler {
  readonly #partials = new Map<number, Partial>();
  #bufferedBytes = 0;

  constructor(private readonly options: ReassemblerOptions) {}

  get incomplete(): number {
    return this.#partials.size;
  }

  /** Bytes held in incomplete messages. */
  get bufferedBytes(): number {
    return this.#bufferedBytes;
  }

  accept(fragment: FragmentFrame): ReassemblyResult {
    const { messageId, index, count, bytes } = fragment;
    let partial = this.#partials.get(messageId);
    if (partial === undefined) {
      if (index !== 0) return this.#drop(messageId, `message ${messageId} starts at fragment ${index}, not 0`);
      if (this.#partials.size >= this.options.maxIncomplete) {
        const oldest = this.#partials.keys().next().value as number;
        this.#forget(oldest);
        // The new message still proceeds; the evicted one is reported.
        partial = this.#start(messageId, count);
        const result = this.#append(messageId, partial, index, count, bytes);
        return result.status === 'dropped'
          ? result
          : { status: 'dropped', error: new FragmentError(`too many incomplete messages; dropped message ${oldest}`) };
      }
      partial = this.#start(messageId, count);
    }
    return this.#append(messageId, partial, index, count, bytes);
  }

  /** Forget everything (on close). */
  clear(): void {
    this.#partials.clear();
    this.#bufferedBytes = 0;
  }

  #forget(messageId: number): void {
    const partial = this.#partials.get(messageId);
    if (partial === undefined) return;
    this.#bufferedBytes -= partial.bytes;
    this.#partials.delete(messageId);
  }

  #start(messageId: number, count: number): Partial {
    const partial: Partial = { count, next: 0, bytes: 0, chunks: [] };
    this.#partials.set(messageId, partial);
    return partial;
  }

  #append(messageId: number, partial: Partial, index: number, count: number, bytes: Uint8Array): ReassemblyResult {
    if (count !== partial.count) return this.#drop(messageId, `fragment count changed from ${partial.count} to ${count}`);
    if (index !== partial.next) return this.#drop(messageId, `expected fragment ${partial.next}, got ${index}`);
    if (partial.bytes + bytes.byteLength > this.options.maxMessageBytes) {
      return this.#drop(messageId, `message exceeds ${this.options.maxMessageBytes} bytes`);
    }
    if (this.#bufferedBytes + bytes.byteLength > this.options.maxBufferedBytes) {
      return this.#drop(messageId, `incomplete messages would hold more than ${this.options.maxBufferedBytes} bytes`);
    }
    partial.bytes += bytes.byteLength;
    this.#bufferedBytes += bytes.byteLength;
    partial.chunks.push(bytes);
    partial.next++;
    if (partial.next < partial.count) return { status: 'partial' };
    this.#forget(messageId);
    const whole = new Uint8Array(partial.bytes);
    let offset = 0;
    for (const chunk of partial.chunks) {
      whole.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return { status: 'complete', bytes: whole };
  }

  #drop(messageId: number, detail: string): ReassemblyResult {
    this.#forget(messageId);
    return { status: 'dropped', error: new FragmentError(detail) };
  }
}
