/**
 * Events for a peer whose link is not open yet (a lobby session's `emit` to a member still
 * connecting, or between two links to it): kept in order, bounded exactly as a link's own queue
 * is (`maxEventBytes` each, `maxQueuedBytes` in all, measured encoded), and handed to the link
 * when it opens.
 */
import { MessageTooLargeError, SendBufferFullError } from '../errors.js';
import { createFrameEncoder } from '../wire/codec.js';
import { FrameKind } from '../wire/frames.js';

const MiB = 1024 * 1024;
/** Measures events as a link without shared structures sends them (with structures they are smaller). */
const measure = createFrameEncoder();

/** The bounds of a `PendingEvents`: a link's own (`LinkInit.maxEventBytes`, `LinkInit.maxQueuedBytes`). */
export interface PendingEventsLimits {
  /** The largest one event. @default 16 MiB, a link's `maxEventBytes` */
  maxEventBytes?: number;
  /** The most held in all. @default twice `maxEventBytes`, a link's `maxQueuedBytes` */
  maxQueuedBytes?: number;
}

/**
 * Named events held for a link that is not open yet, in order and bounded as the link's queue is;
 * `drainInto(link.events.emit)` hands them over. The lobby session keeps one per member.
 */
export class PendingEvents {
  readonly #events: Array<[name: string, payload: unknown]> = [];
  readonly #maxEventBytes: number;
  readonly #maxQueuedBytes: number;
  #bytes = 0;

  constructor(limits: PendingEventsLimits = {}) {
    this.#maxEventBytes = limits.maxEventBytes ?? 16 * MiB;
    this.#maxQueuedBytes = limits.maxQueuedBytes ?? 2 * this.#maxEventBytes;
  }

  /** Events held. */
  get size(): number {
    return this.#events.length;
  }

  /** Their encoded bytes. */
  get queuedBytes(): number {
    return this.#bytes;
  }

  /** Hold one more; throws `MessageTooLargeError` or `SendBufferFullError` as a link's `emit` would. */
  add(name: string, payload: unknown): void {
    if (this.#bytes >= this.#maxQueuedBytes) throw new SendBufferFullError(this.#bytes, this.#maxQueuedBytes);
    const bytes = measure.encodeTransient([FrameKind.Event, name, payload]).byteLength;
    if (bytes > this.#maxEventBytes) throw new MessageTooLargeError('events', bytes, this.#maxEventBytes);
    this.#events.push([name, payload]);
    this.#bytes += bytes;
  }

  /** Hand every event, in order, to `emit` (a link's `events.emit`), and hold none. */
  drainInto(emit: (name: string, payload: unknown) => void): void {
    const events = this.#events.splice(0);
    this.#bytes = 0;
    for (const [name, payload] of events) emit(name, payload);
  }
}
