/**
 * The events lane: reliable and ordered. Named events and requests (requests.ts), large messages
 * split into fragments (fragment.ts), a send queue that respects the channel's buffered amount
 * (outbox.ts), and reliability across paths (reliability.ts): the lane sends on the channel of
 * whichever path the link attaches, and never knows which kind it is.
 */
import { Emitter } from '../emitter.js';
import { HandlerError, InvalidMessageError, LinkClosedError, MalformedMessageError, MessageTooLargeError, SendBufferFullError } from '../errors.js';
import type { LaneChannel } from '../paths/types.js';
import type { RequestType } from '../types.js';
import type { Bytes, FrameDecoder, FrameEncoder } from '../wire/codec.js';
import { FrameKind, SEQ_PREFIX_BYTES, isDataFrame, parseEventsFrame, type ByeFrame, type HelloFrame } from '../wire/frames.js';
import type { LinkConditioner } from './conditioner.js';
import { Reassembler } from './fragment.js';
import { Outbox } from './outbox.js';
import { Reliability } from './reliability.js';
import { Requests } from './requests.js';
import { emptyTotals } from './totals.js';
import type { EventsLaneApi, RequestOptions } from './types.js';

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

/** Incomplete fragmented messages kept at once before the oldest is dropped. */
const MAX_INCOMPLETE_MESSAGES = 8;
/** Room over one max-size message in the reassembly budget: the fragment framing around it. */
const REASSEMBLY_SLACK_BYTES = 64 * 1024;

interface Arrived {
  sequenced: boolean;
  reassembled: boolean;
  channel: LaneChannel;
}

export class EventsLane<E extends Record<string, unknown>, R extends Record<string, RequestType>>
  implements EventsLaneApi<E, R>
{
  #channel: LaneChannel | null = null;
  readonly #outbox: Outbox;
  readonly #emitter: Emitter<Record<string, unknown>>;
  readonly #reassembler: Reassembler;
  readonly #reliability: Reliability;
  readonly #requests: Requests;
  readonly totals = emptyTotals();
  badInput = 0;

  constructor(private readonly deps: EventsLaneDeps) {
    this.#emitter = new Emitter((name, cause) => deps.report(new HandlerError(name, { cause })));
    this.#outbox = new Outbox(deps.encoder);
    this.#reassembler = new Reassembler({
      maxMessageBytes: deps.maxEventBytes,
      maxIncomplete: MAX_INCOMPLETE_MESSAGES,
      maxBufferedBytes: deps.maxEventBytes + REASSEMBLY_SLACK_BYTES,
    });
    this.#reliability = new Reliability({
      channel: () => this.#channel,
      send: (channel, bytes) => this.#send(channel, bytes),
      control: (channel, frame) => this.#sendControl(channel, frame),
      isClosed: deps.isClosed,
      bad: (error) => this.bad(error),
      released: () => this.flush(),
    });
    this.#requests = new Requests({
      maxPendingRequests: deps.maxPendingRequests,
      requestTimeoutMs: deps.requestTimeoutMs,
      encodeQueued: (frame) => this.#encodeQueued(frame),
      encode: (frame) => this.#encode(frame),
      enqueue: (frame) => this.#enqueue(frame),
      queuedBytes: () => this.queuedBytes,
      maxQueuedBytes: deps.maxQueuedBytes,
      isClosed: deps.isClosed,
      report: deps.report,
      bad: (error) => this.bad(error),
      warn: deps.warn,
    });
  }

  /** Bytes waiting in the lane's own queue (behind the channel's high-water mark or the handshake). */
  get queuedBytes(): number {
    return this.#outbox.bytes;
  }

  /** Bytes held in incomplete fragmented messages from the peer. */
  get reassemblyBytes(): number {
    return this.#reassembler.bufferedBytes;
  }

  /** Bytes sent and not yet acknowledged by the peer. */
  get retainedBytes(): number {
    return this.#reliability.retainedBytes;
  }

  get retransmitted(): number {
    return this.#reliability.retransmitted;
  }

  get duplicates(): number {
    return this.#reliability.duplicates;
  }

  get pendingRequests(): number {
    return this.#requests.pending;
  }

  /** The peer's requests being answered (handler running, or answer not yet queued). */
  get answering(): number {
    return this.#requests.answering;
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
    this.#sendControl(channel, this.#reliability.resumeFrame());
  }

  get bufferedAmount(): number {
    return this.queuedBytes + this.channelBufferedAmount;
  }

  /** Bytes in the data channel's own buffer (not counting the link's queue). */
  get channelBufferedAmount(): number {
    return this.#channel?.bufferedAmount ?? 0;
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
    return this.#requests.request(name, payload, options.timeoutMs ?? this.deps.requestTimeoutMs);
  }

  handle<K extends keyof R & string>(
    name: K,
    fn: (payload: R[K]['request']) => R[K]['response'] | Promise<R[K]['response']>,
  ): () => void {
    return this.#requests.handle(name, fn as (payload: never) => unknown);
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

  /** Sends queued frames (fragments of the large ones: see outbox.ts) while the channel is below its high-water mark. */
  flush(): void {
    const channel = this.#channel;
    if (channel === null || !this.deps.isOpen()) return;
    const limit = () => this.deps.maxMessageSize() - SEQ_PREFIX_BYTES;
    while (channel.bufferedAmount <= this.deps.highWaterMarkBytes && this.#reliability.retainedBytes < this.deps.maxInFlightBytes) {
      const frame = this.#outbox.next(limit);
      if (frame === null) break;
      this.#transmit(this.#reliability.number(frame));
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
    const arrival = this.#reliability.arrive(bytes, channel);
    if (arrival !== null) this.#receiveFrame(arrival.payload, decoder, { sequenced: arrival.sequenced, reassembled: false, channel });
  }

  /** Once a heartbeat: acknowledge, and resend what went unacknowledged (see reliability.ts). */
  tick(): void {
    this.#reliability.tick();
  }

  close(error: Error): void {
    this.#requests.close(error);
    this.#outbox.clear();
    this.#reassembler.clear();
    this.#emitter.clear();
    this.#channel = null;
    this.#reliability.clear();
  }

  /** Count and report one piece of bad input from the peer. */
  bad(error: Error): void {
    this.badInput++;
    this.deps.report(error);
  }

  #receiveFrame(bytes: Uint8Array, decoder: FrameDecoder, how: Arrived): void {
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
        this.#reliability.acknowledged(frame.next);
        return;
      case FrameKind.Resume: {
        if (!this.#reliability.acknowledged(frame.next)) return;
        if (this.deps.onResume(how.channel)) this.#sendControl(how.channel, this.#reliability.resumeFrame());
        return this.#reliability.resendFrom(frame.next);
      }
      case FrameKind.Event:
        return this.#emitter.emit(frame.name, frame.payload);
      case FrameKind.Request:
        return this.#requests.incoming(frame);
      case FrameKind.Response:
        return this.#requests.response(frame);
      case FrameKind.Fragment: {
        const result = this.#reassembler.accept(frame);
        if (result.status === 'dropped') return this.bad(result.error);
        if (result.status === 'complete') this.#receiveFrame(result.bytes, decoder, { ...how, reassembled: true });
        return;
      }
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
    this.#outbox.push(frame);
    this.flush();
  }

  /** A control frame (hello, goodbye) on the current path. */
  #transmit(frame: Bytes): void {
    if (this.#channel !== null) this.#send(this.#channel, frame);
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
}
