/**
 * The state lane: unreliable, unordered, newest-wins. Carries game state and the heartbeats that
 * measure RTT, jitter and loss. Under backpressure it keeps only the newest unsent message.
 */
import { HandlerError, InvalidMessageError, MalformedMessageError, MessageTooLargeError } from '../errors.js';
import type { LaneChannel } from '../paths/types.js';
import type { StateMessage, StateSendResult } from '../types.js';
import type { Bytes, FrameDecoder, FrameEncoder } from '../wire/codec.js';
import { FrameKind, parseStateFrame, seqDiff, wrapU32 } from '../wire/frames.js';
import type { LinkConditioner } from './conditioner.js';
import { RemoteClock, RttEstimator, SequenceWindow } from './sequence.js';
import { emptyTotals } from './totals.js';
import type { StateLaneApi } from './types.js';

export interface StateLaneDeps {
  encoder: FrameEncoder;
  conditioner: LinkConditioner;
  now: () => number;
  /** This side's `now()` when the link was created; timestamps are sent relative to it. */
  epochMs: number;
  highWaterMarkBytes: number;
  isOpen: () => boolean;
  maxMessageSize: () => number;
  report: (error: Error) => void;
  onActivity: () => void;
  warn: (message: string, error: unknown) => void;
  /** Bytes this side has waiting to go out, on both lanes (channel buffers and the events queue). */
  backlogBytes: () => number;
}

/**
 * A heartbeat sent (or answered) while this much waits to go out would measure our own queue,
 * not the network: it is left out of the RTT. A few kilobytes is milliseconds on any uplink.
 */
const RTT_BACKLOG_LIMIT_BYTES = 4096;
/** Pings whose answer is not counted, remembered until answered (or this many newer ones). */
const MAX_QUEUED_PINGS = 16;

export class StateLane<S> implements StateLaneApi<S> {
  #channel: LaneChannel | null = null;
  #seq = 0;
  #pending: Bytes | null = null;
  /**
   * An upper bound on the channel's bufferedAmount: what it was when last read plus all sent
   * since. Reading the real value is a native call; while the bound is under the high-water
   * mark, the real value is too, so most sends skip the read.
   */
  #bufferedBound = 0;
  #newestStateSeq: number | undefined;
  #remote: { decoder: FrameDecoder; clock: RemoteClock } | null = null;
  #early: Uint8Array | null = null;
  readonly #listeners = new Set<(message: StateMessage<S>) => void>();
  /** sentAtUs of pings that left behind a backlog: their pongs are no RTT sample. */
  readonly #queuedPings = new Set<number>();
  readonly window = new SequenceWindow();
  readonly rtt = new RttEstimator();
  readonly totals = emptyTotals();
  stale = 0;
  replaced = 0;
  badInput = 0;
  /** Heartbeats left out of the RTT: sent or answered behind a backlog. */
  rttSkipped = 0;

  constructor(private readonly deps: StateLaneDeps) {}

  /** Send on `channel` from now on (the first path, or the one the link moved to). */
  attach(channel: LaneChannel): void {
    this.#channel = channel;
    this.#bufferedBound = channel.bufferedAmount;
  }

  get bufferedAmount(): number {
    return this.#channel?.bufferedAmount ?? 0;
  }

  send(payload: S): StateSendResult {
    if (!this.deps.isOpen() || this.#channel === null) return 'not-open';
    const frame = this.deps.encoder.encodeTransient([FrameKind.State, this.#seq, this.#nowUs(), payload]);
    const limit = this.deps.maxMessageSize();
    if (frame.byteLength > limit) throw new MessageTooLargeError('state', frame.byteLength, limit);
    this.#seq = nextSeq(this.#seq);
    if (this.#bufferedBound > this.deps.highWaterMarkBytes) {
      this.#bufferedBound = this.#channel.bufferedAmount;
      if (this.#bufferedBound > this.deps.highWaterMarkBytes) {
        if (this.#pending !== null) this.replaced++;
        // A copy (Buffer#slice would be a view): it outlives the encoder's scratch buffer.
        this.#pending = new Uint8Array(frame);
        return 'queued';
      }
    }
    this.#transmit(frame);
    return 'sent';
  }

  onMessage(fn: (message: StateMessage<S>) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Sends a heartbeat; the answer gives an RTT sample, unless the ping waited behind our own backlog. */
  ping(): void {
    const sentAtUs = this.#nowUs();
    if (this.deps.backlogBytes() > RTT_BACKLOG_LIMIT_BYTES) {
      this.#queuedPings.add(sentAtUs);
      if (this.#queuedPings.size > MAX_QUEUED_PINGS) this.#queuedPings.delete(this.#queuedPings.values().next().value as number);
    }
    this.#transmit(this.deps.encoder.encodeTransient([FrameKind.Ping, this.#takeSeq(), sentAtUs]));
  }

  /** The channel drained below its low-water mark: send the newest waiting state, if any. */
  flush(): void {
    if (this.#channel !== null) this.#bufferedBound = this.#channel.bufferedAmount;
    const pending = this.#pending;
    if (pending === null || this.#channel === null) return;
    this.#pending = null;
    this.#transmit(pending);
  }

  /** The remote hello arrived: from now on its frames can be decoded. */
  setRemote(decoder: FrameDecoder, clock: RemoteClock): void {
    this.#remote = { decoder, clock };
    const early = this.#early;
    this.#early = null;
    if (early !== null) this.receive(early);
  }

  /** A text message: never sent by a link, so it is bad input. */
  receiveText(): void {
    this.totals.messagesIn++;
    this.deps.onActivity();
    this.bad(new MalformedMessageError('state', { cause: new TypeError('text message on a binary lane') }));
  }

  receive(bytes: Uint8Array): void {
    this.totals.messagesIn++;
    this.totals.bytesIn += bytes.byteLength;
    this.deps.onActivity();
    if (this.#remote === null) {
      // State can overtake the hello (it travels on another channel); keep only the newest.
      this.#early = bytes;
      return;
    }
    let value: unknown;
    try {
      value = this.#remote.decoder.decode(bytes);
    } catch (cause) {
      return this.bad(new MalformedMessageError('state', { cause }));
    }
    const frame = parseStateFrame(value);
    if (frame instanceof Error) return this.bad(frame);
    const arrival = this.window.accept(frame.seq);
    if (arrival === 'out-of-window') return this.bad(new InvalidMessageError('state', `sequence number ${frame.seq} is outside the window (newest ${this.window.newest})`));
    if (arrival === 'duplicate') return;
    if (arrival === 'too-old') {
      this.stale++;
      return;
    }
    switch (frame.kind) {
      case FrameKind.State: {
        if (this.#newestStateSeq !== undefined && seqDiff(frame.seq, this.#newestStateSeq) <= 0) {
          this.stale++;
          return;
        }
        this.#newestStateSeq = frame.seq;
        const message: StateMessage<S> = {
          payload: frame.payload as S,
          seq: frame.seq,
          sentAt: this.#remote.clock.toRemoteMs(frame.sentAtUs),
          receivedAt: this.deps.now(),
        };
        for (const fn of this.#listeners) {
          try {
            fn(message);
          } catch (cause) {
            this.deps.report(new HandlerError('state', { cause }));
          }
        }
        return;
      }
      case FrameKind.Ping:
        this.#remote.clock.toRemoteMs(frame.sentAtUs);
        // A pong that would wait behind our backlog measures it, not the network: none then
        // (the ping already counted as traffic; the peer samples the next one).
        if (this.deps.backlogBytes() > RTT_BACKLOG_LIMIT_BYTES) {
          this.rttSkipped++;
          return;
        }
        this.#transmit(this.deps.encoder.encodeTransient([FrameKind.Pong, this.#takeSeq(), this.#nowUs(), frame.sentAtUs]));
        return;
      case FrameKind.Pong: {
        this.#remote.clock.toRemoteMs(frame.sentAtUs);
        if (this.#queuedPings.delete(frame.echoUs)) {
          this.rttSkipped++;
          return;
        }
        const rttUs = wrapU32(this.#nowUs() - frame.echoUs);
        this.rtt.sample(rttUs / 1000);
        return;
      }
    }
  }

  close(): void {
    this.#listeners.clear();
    this.#pending = null;
    this.#early = null;
    this.#channel = null;
  }

  /** Count and report one piece of bad input from the peer. */
  bad(error: Error): void {
    this.badInput++;
    this.deps.report(error);
  }

  /** The next sequence number for a control frame (ping, pong). */
  #takeSeq(): number {
    const seq = this.#seq;
    this.#seq = nextSeq(seq);
    return seq;
  }

  #nowUs(): number {
    return wrapU32((this.deps.now() - this.deps.epochMs) * 1000);
  }

  /** `frame` may be transient: it is sent (the channel copies it) or copied before this returns. */
  #transmit(frame: Bytes): void {
    const channel = this.#channel;
    if (channel === null) return;
    this.totals.messagesOut++;
    this.totals.bytesOut += frame.byteLength;
    this.#bufferedBound += frame.byteLength;
    this.deps.conditioner.sendState(frame, (bytes) => {
      if (channel.readyState !== 'open') return;
      try {
        channel.send(bytes);
      } catch (error) {
        // The channel closed between the check and the send; the link's close handling follows.
        this.deps.warn('state lane send failed', error);
      }
    });
  }
}

/** Sequence numbers are 32 bits on the wire: after 2^32 - 1 comes 0 (the receiver compares them serially). */
function nextSeq(seq: number): number {
  return (seq + 1) >>> 0;
}
