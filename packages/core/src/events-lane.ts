/**
 * The events lane: reliable and ordered. Named events, request/response, fragmentation of large
 * messages, and a send queue that respects the channel's buffered amount.
 *
 * Reliable across paths, too: every data frame goes out behind a sequence number and is kept
 * until the peer acknowledges it, so when the link moves to another path (a new connection, the
 * lobby relay), what the old one lost is sent again on the new one and what it delivered twice is
 * dropped (see wire.ts).
 */
import type { Bytes, FrameDecoder, FrameEncoder } from './codec.js';
import type { LinkConditioner } from './conditioner.js';
import { Emitter } from './emitter.js';
import {
  HandlerError,
  InvalidMessageError,
  LinkClosedError,
  MalformedMessageError,
  MessageTooLargeError,
  RemoteRequestError,
  RequestTimeoutError,
  SendBufferFullError,
  TooManyRequestsError,
  type RemoteRequestFailure,
} from './errors.js';
import { Reassembler, splitIntoFragments, type FragmentFrameArray } from './fragment.js';
import { emptyTotals } from './stats.js';
import type { RequestType } from './types.js';
import {
  FrameKind,
  RequestFailure,
  SEQ_PREFIX_BYTES,
  isDataFrame,
  parseEventsFrame,
  readSeq,
  seqDiff,
  withSeq,
  type ByeFrame,
  type HelloFrame,
} from './wire.js';

/** What a lane sends through: an RTCDataChannel, or the lobby relay's stand-in for one. */
export interface LaneChannel {
  readonly readyState: string;
  readonly bufferedAmount: number;
  send(data: Uint8Array<ArrayBuffer>): void;
}

export interface EventsLaneDeps {
  encoder: FrameEncoder;
  conditioner: LinkConditioner;
  highWaterMarkBytes: number;
  maxEventBytes: number;
  /** Bytes the link's own send queue may hold (see SendBufferFullError). */
  maxQueuedBytes: number;
  /** Requests awaiting an answer, each way (see TooManyRequestsError). */
  maxPendingRequests: number;
  requestTimeoutMs: number;
  /** True once the handshake is done: queued events may go out. */
  isOpen: () => boolean;
  isClosed: () => boolean;
  maxMessageSize: () => number;
  report: (error: Error) => void;
  onActivity: () => void;
  /** The remote hello, and the channel it came by. */
  onHello: (hello: HelloFrame, channel: LaneChannel) => void;
  /** Whether the remote's hello has been accepted. */
  helloReceived: () => boolean;
  /** A frame that claims to be a hello but is not a valid one. */
  onBadHello: (error: Error) => void;
  onBye: (bye: ByeFrame) => void;
  /**
   * The peer asked for frames to be sent again on the path `channel` belongs to: the link makes
   * that path the one it sends on. True when that changed the path (the lane then asks the peer
   * the same).
   */
  onResume: (channel: LaneChannel) => boolean;
  /** Data frames sent and not yet acknowledged may hold this many bytes; the queue waits past it. */
  maxInFlightBytes: number;
  warn: (message: string, error: unknown) => void;
}

/** Options of one `events.request()`. */
export interface RequestOptions {
  /** Reject with `RequestTimeoutError` after this long. @default the link's `requestTimeoutMs` (10000) */
  timeoutMs?: number;
}

/** What a game sees of the events lane: `link.events`. */
export interface EventsLaneApi<E extends Record<string, unknown>, R extends Record<string, RequestType>> {
  /**
   * Send an event; it arrives exactly once, in order. Queued until the link opens. Throws
   * `LinkClosedError` once the link is closed, `MessageTooLargeError` above `maxEventBytes`, and
   * `SendBufferFullError` when the queue already holds `maxQueuedBytes`.
   */
  emit<K extends keyof E & string>(name: K, payload: E[K]): void;
  on<K extends keyof E & string>(name: K, fn: (payload: E[K]) => void): () => void;
  once<K extends keyof E & string>(name: K, fn: (payload: E[K]) => void): () => void;
  off<K extends keyof E & string>(name: K, fn: (payload: E[K]) => void): void;
  /**
   * Ask the other side; resolves with what its `handle(name)` handler returns. Rejects with
   * `TooManyRequestsError` when `maxPendingRequests` of ours already await an answer.
   */
  request<K extends keyof R & string>(name: K, payload: R[K]['request'], options?: RequestOptions): Promise<R[K]['response']>;
  /** Answer requests named `name`; returns an unsubscribe function. */
  handle<K extends keyof R & string>(
    name: K,
    fn: (payload: R[K]['request']) => R[K]['response'] | Promise<R[K]['response']>,
  ): () => void;
  /**
   * Bytes waiting to be sent: in the link's own queue plus the channel's buffer. A sender of
   * bulk data can keep this under a limit and send more on the link's `drain` event.
   */
  readonly bufferedAmount: number;
}

interface PendingRequest {
  name: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** The receiver acknowledges after this many data frames or bytes (and at every heartbeat). */
const ACK_EVERY_FRAMES = 32;
const ACK_EVERY_BYTES = 64 * 1024;
/** Heartbeats without any acknowledgement, with data outstanding and nothing buffered, before it is all sent again. */
const RESEND_AFTER_TICKS = 2;
/** A gap asks for a resend at most this often (the frames behind it keep arriving meanwhile). */
const GAP_RESUME_INTERVAL_MS = 200;

interface Retained {
  seq: number;
  bytes: Uint8Array<ArrayBuffer>;
}

/** Incomplete fragmented messages kept at once before the oldest is dropped. */
const MAX_INCOMPLETE_MESSAGES = 8;
/** Room over one max-size message in the reassembly budget: the fragment framing around it. */
const REASSEMBLY_SLACK_BYTES = 64 * 1024;

export class EventsLane<E extends Record<string, unknown>, R extends Record<string, RequestType>>
  implements EventsLaneApi<E, R>
{
  #channel: LaneChannel | null = null;
  #queue: Bytes[] = [];
  /** Sequence number of the next data frame sent, and of the next one the peer's side must deliver. */
  #nextOut = 0;
  #nextIn = 0;
  /** Data frames sent and not acknowledged, oldest first, from `#retainedHead`. */
  #retained: Retained[] = [];
  #retainedHead = 0;
  retainedBytes = 0;
  /** Received and not yet acknowledged. */
  #unackedFrames = 0;
  #unackedBytes = 0;
  #ticksWithoutAck = 0;
  #lastGapResume: { next: number; atMs: number } | null = null;
  /** Data frames sent again: after a path change, a gap, or silence. */
  retransmitted = 0;
  /** Data frames that arrived a second time (a resend overlapping what the old path delivered). */
  duplicates = 0;
  #queueHead = 0;
  #fragments: Iterator<FragmentFrameArray> | null = null;
  queuedBytes = 0;
  #nextRequestId = 0;
  #nextMessageId = 0;
  readonly #pending = new Map<number, PendingRequest>();
  readonly #handlers = new Map<string, (payload: never) => unknown>();
  readonly #emitter: Emitter<Record<string, unknown>>;
  readonly #reassembler: Reassembler;
  readonly totals = emptyTotals();
  badInput = 0;
  lateResponses = 0;
  /** The peer's requests being answered: handler running, or answer not yet queued. */
  answering = 0;

  constructor(private readonly deps: EventsLaneDeps) {
    this.#emitter = new Emitter((name, cause) => deps.report(new HandlerError(name, { cause })));
    this.#reassembler = new Reassembler({
      maxMessageBytes: deps.maxEventBytes,
      maxIncomplete: MAX_INCOMPLETE_MESSAGES,
      maxBufferedBytes: deps.maxEventBytes + REASSEMBLY_SLACK_BYTES,
    });
  }

  /** Bytes held in incomplete fragmented messages from the peer. */
  get reassemblyBytes(): number {
    return this.#reassembler.bufferedBytes;
  }

  /** Send on `channel` from now on (the first path, or the one the link moved to). */
  attach(channel: LaneChannel): void {
    this.#channel = channel;
  }

  /**
   * The link moved to the path of `channel`: send there from now on, and ask the peer to send
   * there too, from the first frame that has not arrived.
   */
  moveTo(channel: LaneChannel): void {
    this.#channel = channel;
    this.#sendControl(channel, [FrameKind.Resume, this.#nextIn]);
  }

  get bufferedAmount(): number {
    return this.queuedBytes + this.channelBufferedAmount;
  }

  /** Bytes in the data channel's own buffer (not counting the link's queue). */
  get channelBufferedAmount(): number {
    return this.#channel?.bufferedAmount ?? 0;
  }

  get pendingRequests(): number {
    return this.#pending.size;
  }

  emit<K extends keyof E & string>(name: K, payload: E[K]): void {
    this.#enqueue(this.#encodeQueued([FrameKind.Event, name, payload]));
  }

  on<K extends keyof E & string>(name: K, fn: (payload: E[K]) => void): () => void {
    return this.#emitter.on(name, fn as (payload: unknown) => void);
  }

  once<K extends keyof E & string>(name: K, fn: (payload: E[K]) => void): () => void {
    return this.#emitter.once(name, fn as (payload: unknown) => void);
  }

  off<K extends keyof E & string>(name: K, fn: (payload: E[K]) => void): void {
    this.#emitter.off(name, fn as (payload: unknown) => void);
  }

  request<K extends keyof R & string>(name: K, payload: R[K]['request'], options: RequestOptions = {}): Promise<R[K]['response']> {
    const timeoutMs = options.timeoutMs ?? this.deps.requestTimeoutMs;
    const id = this.#nextRequestId;
    this.#nextRequestId = (this.#nextRequestId + 1) % 0x1_0000_0000;
    let frame: Bytes;
    try {
      if (this.#pending.size >= this.deps.maxPendingRequests) throw new TooManyRequestsError('outgoing', this.deps.maxPendingRequests);
      frame = this.#encodeQueued([FrameKind.Request, id, name, payload]);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new RequestTimeoutError(name, timeoutMs));
      }, timeoutMs);
      this.#pending.set(id, { name, resolve, reject, timer });
      this.#enqueue(frame);
    });
  }

  handle<K extends keyof R & string>(
    name: K,
    fn: (payload: R[K]['request']) => R[K]['response'] | Promise<R[K]['response']>,
  ): () => void {
    this.#handlers.set(name, fn as (payload: never) => unknown);
    return () => {
      if (this.#handlers.get(name) === fn) this.#handlers.delete(name);
    };
  }

  /** Sends the hello straight away: it must be the first frame, ahead of anything queued. */
  sendHello(frame: readonly unknown[]): void {
    this.#transmit(this.deps.encoder.encode(frame));
  }

  /** Best effort goodbye, sent ahead of the queue. */
  sendBye(reason: string): void {
    try {
      this.#transmit(this.deps.encoder.encode([FrameKind.Bye, reason]));
    } catch (error) {
      this.deps.warn('events lane goodbye failed', error);
    }
  }

  /**
   * Sends queued frames while the channel is below its high-water mark. Frames larger than the
   * remote's max message size are split here, one fragment at a time, so a large event never
   * holds its whole fragmented copy in memory and events queued before the handshake (when the
   * limit was unknown) are split correctly too.
   */
  flush(): void {
    const channel = this.#channel;
    if (channel === null || !this.deps.isOpen()) return;
    while (channel.bufferedAmount <= this.deps.highWaterMarkBytes && this.retainedBytes < this.deps.maxInFlightBytes) {
      const fragment = this.#fragments?.next();
      if (fragment !== undefined && fragment.done !== true) {
        this.#transmitData(this.deps.encoder.encode(fragment.value));
        continue;
      }
      this.#fragments = null;
      if (this.#queueHead >= this.#queue.length) break;
      const frame = this.#queue[this.#queueHead] as Bytes;
      this.#queue[this.#queueHead++] = EMPTY;
      this.queuedBytes -= frame.byteLength;
      const limit = this.deps.maxMessageSize() - SEQ_PREFIX_BYTES;
      if (frame.byteLength <= limit) {
        this.#transmitData(frame);
      } else {
        this.#fragments = splitIntoFragments(frame, this.#nextMessageId, limit);
        this.#nextMessageId = (this.#nextMessageId + 1) % 0x1_0000_0000;
      }
    }
    if (this.#queueHead === this.#queue.length) {
      this.#queue = [];
      this.#queueHead = 0;
    }
  }

  /** A text message: never sent by a link, so it is bad input. */
  receiveText(): void {
    this.totals.messagesIn++;
    this.deps.onActivity();
    this.bad(new MalformedMessageError('events', { cause: new TypeError('text message on a binary lane') }));
  }

  /** A message from the peer, on `channel` (the path it came by). */
  receive(bytes: Uint8Array, decoder: FrameDecoder, channel: LaneChannel): void {
    this.totals.messagesIn++;
    this.totals.bytesIn += bytes.byteLength;
    this.deps.onActivity();
    const seq = readSeq(bytes);
    if (seq === undefined) return this.#receiveFrame(bytes, decoder, { sequenced: false, reassembled: false, channel });
    const ahead = seqDiff(seq, this.#nextIn);
    if (ahead < 0) {
      // The sender did not hear our acknowledgement (or resent after a path change): say it again.
      this.duplicates++;
      this.#unackedFrames = Math.max(this.#unackedFrames, 1);
      return;
    }
    if (ahead > 0) return this.#askFromGap(channel);
    this.#nextIn = (this.#nextIn + 1) >>> 0;
    this.#unackedFrames++;
    this.#unackedBytes += bytes.byteLength;
    if (this.#unackedFrames >= ACK_EVERY_FRAMES || this.#unackedBytes >= ACK_EVERY_BYTES) this.#ack();
    this.#receiveFrame(bytes.subarray(SEQ_PREFIX_BYTES), decoder, { sequenced: true, reassembled: false, channel });
  }

  /**
   * Once a heartbeat: acknowledge what arrived since the last acknowledgement, and send again
   * what the peer has not acknowledged for a while, if nothing is waiting in the channel (what is
   * still buffered here has not reached the peer, so its silence says nothing about it).
   */
  tick(): void {
    if (this.#unackedFrames > 0) this.#ack();
    if (this.#retainedHead >= this.#retained.length) {
      this.#ticksWithoutAck = 0;
      return;
    }
    if (++this.#ticksWithoutAck <= RESEND_AFTER_TICKS || (this.#channel?.bufferedAmount ?? 1) > 0) return;
    this.#ticksWithoutAck = 0;
    this.#resendFrom(this.#retained[this.#retainedHead]!.seq);
  }

  close(error: Error): void {
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      this.#pending.delete(id);
      pending.reject(error);
    }
    this.#queue = [];
    this.#queueHead = 0;
    this.#fragments = null;
    this.queuedBytes = 0;
    this.#reassembler.clear();
    this.#emitter.clear();
    this.#handlers.clear();
    this.#channel = null;
    this.#retained = [];
    this.#retainedHead = 0;
    this.retainedBytes = 0;
  }

  #receiveFrame(bytes: Uint8Array, decoder: FrameDecoder, how: { sequenced: boolean; reassembled: boolean; channel: LaneChannel }): void {
    let value: unknown;
    try {
      value = decoder.decode(bytes);
    } catch (cause) {
      return this.bad(new MalformedMessageError('events', { cause }));
    }
    const frame = parseEventsFrame(value);
    if (frame instanceof Error) {
      if (!(Array.isArray(value) && value[0] === FrameKind.Hello)) return this.bad(frame);
      this.badInput++;
      return this.deps.onBadHello(frame);
    }
    if (!how.reassembled && isDataFrame(frame.kind) !== how.sequenced) {
      return this.bad(new InvalidMessageError('events', how.sequenced ? 'a control frame behind a sequence number' : 'a data frame without a sequence number'));
    }
    // The remote's hello is its first frame on this ordered lane; anything before it is not ours.
    // (Acks and resumes may come first: the hello can travel by another path than they do.)
    const early = frame.kind === FrameKind.Hello || frame.kind === FrameKind.Ack || frame.kind === FrameKind.Resume;
    if (!early && !this.deps.helloReceived()) {
      return this.bad(new InvalidMessageError('events', 'frame before the hello'));
    }
    if (how.reassembled && (frame.kind === FrameKind.Fragment || !isDataFrame(frame.kind))) {
      return this.bad(new MalformedMessageError('events', { cause: new Error('fragments must carry an event, request or response') }));
    }
    switch (frame.kind) {
      case FrameKind.Hello:
        return this.deps.onHello(frame, how.channel);
      case FrameKind.Bye:
        return this.deps.onBye(frame);
      case FrameKind.Ack:
        this.#acknowledged(frame.next);
        return;
      case FrameKind.Resume: {
        if (!this.#acknowledged(frame.next)) return;
        if (this.deps.onResume(how.channel)) this.#sendControl(how.channel, [FrameKind.Resume, this.#nextIn]);
        return this.#resendFrom(frame.next);
      }
      case FrameKind.Event:
        return this.#emitter.emit(frame.name, frame.payload);
      case FrameKind.Request:
        // A peer that keeps asking without reading the answers must not pile them up here.
        if (this.answering >= this.deps.maxPendingRequests) return this.bad(new TooManyRequestsError('incoming', this.deps.maxPendingRequests));
        this.answering++;
        // #answer reports its own failures; this catches only a bug in that reporting.
        return void this.#answer(frame.id, frame.name, frame.payload)
          .catch((cause: unknown) => this.deps.warn('answering a request failed', cause))
          .finally(() => this.answering--);
      case FrameKind.Response: {
        const pending = this.#pending.get(frame.id);
        if (pending === undefined) {
          this.lateResponses++; // answered after its timeout: nothing is waiting any more
          return;
        }
        this.#pending.delete(frame.id);
        clearTimeout(pending.timer);
        if (frame.ok) pending.resolve(frame.payload);
        else pending.reject(new RemoteRequestError(pending.name, toFailure(frame.failure), frame.message));
        return;
      }
      case FrameKind.Fragment: {
        const result = this.#reassembler.accept(frame);
        if (result.status === 'dropped') return this.bad(result.error);
        if (result.status === 'complete') this.#receiveFrame(result.bytes, decoder, { ...how, reassembled: true });
        return;
      }
    }
  }

  async #answer(id: number, name: string, payload: unknown): Promise<void> {
    const handler = this.#handlers.get(name);
    let response: readonly unknown[];
    if (handler === undefined) {
      response = [FrameKind.Response, id, false, [RequestFailure.NoHandler, `no handler for "${name.slice(0, 64)}"`]];
    } else {
      try {
        response = [FrameKind.Response, id, true, await handler(payload as never)];
      } catch (cause) {
        this.deps.report(new HandlerError(name, { cause }));
        const message = cause instanceof Error ? cause.message : String(cause);
        response = [FrameKind.Response, id, false, [RequestFailure.HandlerFailed, message]];
      }
    }
    if (this.deps.isClosed()) return;
    if (this.queuedBytes >= this.deps.maxQueuedBytes) {
      // The peer is not reading what we send: its answer is dropped (it will time out there).
      this.bad(new SendBufferFullError(this.queuedBytes, this.deps.maxQueuedBytes));
      return;
    }
    try {
      this.#enqueue(this.#encode(response));
    } catch (cause) {
      // The answer itself could not be sent (too large, unencodable): tell both sides.
      this.deps.report(new HandlerError(name, { cause }));
      const message = cause instanceof Error ? cause.message : String(cause);
      this.#enqueue(this.#encode([FrameKind.Response, id, false, [RequestFailure.HandlerFailed, message.slice(0, 256)]]));
    }
  }

  /** Encodes a frame the game sends, refusing it while the queue is full. */
  #encodeQueued(frame: readonly unknown[]): Bytes {
    if (this.queuedBytes >= this.deps.maxQueuedBytes) throw new SendBufferFullError(this.queuedBytes, this.deps.maxQueuedBytes);
    return this.#encode(frame);
  }

  #encode(frame: readonly unknown[]): Bytes {
    if (this.deps.isClosed()) throw new LinkClosedError();
    const bytes = this.deps.encoder.encode(frame);
    if (bytes.byteLength > this.deps.maxEventBytes) {
      throw new MessageTooLargeError('events', bytes.byteLength, this.deps.maxEventBytes);
    }
    return bytes;
  }

  #enqueue(frame: Bytes): void {
    this.#queue.push(frame);
    this.queuedBytes += frame.byteLength;
    this.flush();
  }

  /** Count and report one piece of bad input from the peer. */
  bad(error: Error): void {
    this.badInput++;
    this.deps.report(error);
  }

  /** A control frame (hello, goodbye) on the current path. */
  #transmit(frame: Bytes): void {
    if (this.#channel !== null) this.#send(this.#channel, frame);
  }

  /** A data frame: numbered, kept until acknowledged, sent on the current path. */
  #transmitData(frame: Bytes): void {
    const bytes = withSeq(this.#nextOut, frame);
    this.#retained.push({ seq: this.#nextOut, bytes });
    this.retainedBytes += bytes.byteLength;
    this.#nextOut = (this.#nextOut + 1) >>> 0;
    this.#transmit(bytes);
  }

  #sendControl(channel: LaneChannel, frame: readonly unknown[]): void {
    this.#send(channel, this.deps.encoder.encode(frame));
  }

  #send(channel: LaneChannel, bytes: Bytes): void {
    this.totals.messagesOut++;
    this.totals.bytesOut += bytes.byteLength;
    this.deps.conditioner.sendEvents(() => {
      if (channel.readyState !== 'open') return;
      try {
        channel.send(bytes);
      } catch (error) {
        this.deps.warn('events lane send failed', error);
      }
    });
  }

  #ack(): void {
    this.#unackedFrames = 0;
    this.#unackedBytes = 0;
    if (this.#channel !== null) this.#sendControl(this.#channel, [FrameKind.Ack, this.#nextIn]);
  }

  /** The peer has every frame before `next`: forget them. False (and reported) for a `next` never sent. */
  #acknowledged(next: number): boolean {
    if (seqDiff(next, this.#nextOut) > 0) {
      this.bad(new InvalidMessageError('events', `acknowledges frame ${next}, which was never sent`));
      return false;
    }
    let released = false;
    while (this.#retainedHead < this.#retained.length && seqDiff(this.#retained[this.#retainedHead]!.seq, next) < 0) {
      const old = this.#retained[this.#retainedHead]!;
      this.#retained[this.#retainedHead++] = EMPTY_RETAINED;
      this.retainedBytes -= old.bytes.byteLength;
      released = true;
    }
    if (this.#retainedHead === this.#retained.length) {
      this.#retained = [];
      this.#retainedHead = 0;
    } else if (this.#retainedHead > 1024 && this.#retainedHead * 2 > this.#retained.length) {
      this.#retained = this.#retained.slice(this.#retainedHead);
      this.#retainedHead = 0;
    }
    if (released) {
      this.#ticksWithoutAck = 0;
      this.flush();
    }
    return true;
  }

  /** Sends every kept frame from `next` on again, on the current path. */
  #resendFrom(next: number): void {
    const channel = this.#channel;
    if (channel === null || this.deps.isClosed()) return;
    for (let i = this.#retainedHead; i < this.#retained.length; i++) {
      const frame = this.#retained[i]!;
      if (seqDiff(frame.seq, next) < 0) continue;
      this.retransmitted++;
      this.#send(channel, frame.bytes);
    }
  }

  /** A frame past a gap arrived (the path lost some): ask for the rest again, on the path it came by. */
  #askFromGap(channel: LaneChannel): void {
    const now = performance.now();
    const last = this.#lastGapResume;
    if (last !== null && last.next === this.#nextIn && now - last.atMs < GAP_RESUME_INTERVAL_MS) return;
    this.#lastGapResume = { next: this.#nextIn, atMs: now };
    this.#sendControl(channel, [FrameKind.Resume, this.#nextIn]);
  }
}

const EMPTY_RETAINED: Retained = { seq: 0, bytes: new Uint8Array(0) };

const EMPTY: Bytes = new Uint8Array(0);

function toFailure(failure: string): RemoteRequestFailure {
  return failure === RequestFailure.NoHandler ? 'no-handler' : 'handler-failed';
}
