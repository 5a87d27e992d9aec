/**
 * A peer link: one RTCPeerConnection (through simple-peer) carrying the events lane (simple-peer's
 * own reliable, ordered channel) and the state lane (a negotiated unreliable, unordered channel).
 * This file owns the lifecycle: signaling, the ready handshake, heartbeats, stats and close.
 */
import SimplePeer from 'simple-peer';
import { CandidateGate } from './candidate-gate.js';
import { DEFAULT_DECODE_LIMITS, createFrameDecoder, createFrameEncoder, type DecodeLimits, type FrameDecoder } from './codec.js';
import { LinkConditioner, type LinkConditions } from './conditioner.js';
import { Emitter } from './emitter.js';
import {
  ConnectTimeoutError,
  ConnectionFailedError,
  HandlerError,
  HandshakeError,
  HeartbeatTimeoutError,
  InvalidSignalError,
  LinkClosedError,
  MalformedMessageError,
  ProtocolVersionMismatchError,
  type Lane,
} from './errors.js';
import { EventsLane, type EventsLaneApi } from './events-lane.js';
import {
  DEFAULT_MAX_MESSAGE_SIZE,
  capturingRtc,
  globalRtc,
  remoteMaxMessageSize,
  selectedCandidateType,
  watchConnection,
  type CandidateType,
} from './rtc.js';
import { RemoteClock } from './sequence.js';
import { StateLane, type StateLaneApi } from './state-lane.js';
import { RateMeter, linkStats } from './stats.js';
import { UnheardErrors, consoleLogger } from './unheard.js';
import {
  type CloseReason,
  type EventsOf,
  type LinkEvents,
  type LinkInit,
  type LinkSignal,
  type LinkStats,
  type LinkStatus,
  type LinkTypes,
  type RequestsOf,
  type StateOf,
} from './types.js';
import {
  FrameKind,
  LINK_PROTOCOL_VERSION,
  MAX_STRUCTURES,
  MAX_STRUCTURE_KEYS,
  isStructureList,
  wrapU32,
  type HelloFrame,
} from './wire.js';

export interface Link<T extends LinkTypes = LinkTypes> {
  /** `connecting` until both sides have exchanged hellos, then `open`, then `closed` for good. */
  readonly status: LinkStatus;
  /** The reliable, ordered lane: named events and requests. */
  readonly events: EventsLaneApi<EventsOf<T>, RequestsOf<T>>;
  /** The unreliable, unordered lane: newest-wins state. */
  readonly state: StateLaneApi<StateOf<T>>;
  /** Hand signaling data from the other side's `signal` event to this link. */
  signal(data: LinkSignal): void;
  on<K extends keyof LinkEvents>(name: K, fn: (event: LinkEvents[K]) => void): () => void;
  once<K extends keyof LinkEvents>(name: K, fn: (event: LinkEvents[K]) => void): () => void;
  off<K extends keyof LinkEvents>(name: K, fn: (event: LinkEvents[K]) => void): void;
  stats(): LinkStats;
  /** Change the simulated network conditions on this side's sends (see `LinkConditions`). */
  setConditions(conditions: LinkConditions): void;
  /** Close the link and free everything. Safe to call more than once. */
  close(): void;
}

/** Create one side of a link. Pass each side's `signal` events to the other side's `signal()`. */
export function createLink<T extends LinkTypes = LinkTypes>(init: LinkInit): Link<T> {
  return new PeerLink<T>(init);
}

const KiB = 1024;
const MiB = 1024 * KiB;
const STATE_CHANNEL_LABEL = 'rallypoint-state';
/**
 * Seen in the browser tests: with id 1000, Firefox → Chromium state never arrived (Chromium →
 * Firefox did); with 100 it does. The likely cause is SCTP stream counts: a stream above the count
 * first negotiated needs an add-streams request, and that one does not go through. So: low enough
 * for every stack's initial count, above the ids simple-peer's one in-band channel takes (0 or 1).
 */
const DEFAULT_STATE_CHANNEL_ID = 100;
/** How long a local close waits for its goodbye to leave before tearing the connection down. */
const GOODBYE_GRACE_MS = 250;

class PeerLink<T extends LinkTypes> implements Link<T> {
  #status: LinkStatus = 'connecting';
  readonly #emitter: Emitter<LinkEvents>;
  readonly #peer: SimplePeer.Instance;
  readonly #pc: RTCPeerConnection;
  readonly #stateChannelId: number;
  readonly #candidateGate: CandidateGate;
  #stateChannel: RTCDataChannel | null = null;
  #eventsChannel: RTCDataChannel | null = null;
  readonly #eventsLane: EventsLane<EventsOf<T>, RequestsOf<T>>;
  readonly #stateLane: StateLane<StateOf<T>>;
  readonly #conditioner: LinkConditioner;
  readonly #rates: { state: RateMeter; events: RateMeter };
  readonly #now: () => number;
  readonly #epochMs: number;
  readonly #options: Required<Pick<LinkInit, 'heartbeatIntervalMs' | 'heartbeatTimeoutMs' | 'connectTimeoutMs'>>;
  readonly #structures: readonly (readonly string[])[];
  readonly #logger;
  /** Errors reported while nobody listens for 'error'. */
  readonly #unheard: UnheardErrors;
  /** Refill each lane when its channel drains to a quarter of the high-water mark. */
  readonly #lowWaterMarks: { state: number; events: number };
  readonly #cleanups: Array<() => void> = [];
  readonly #decodeLimits: DecodeLimits;
  #decoder: FrameDecoder;
  #eventsOpen = false;
  #stateOpen = false;
  #helloSent = false;
  #remoteHello: HelloFrame | null = null;
  #maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
  #lastActivityMs: number;
  /** Set on every frame received; turned into a timestamp once per heartbeat tick (cheaper). */
  #heardSinceTick = false;
  #candidateType: CandidateType | null = null;
  #heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  #connectTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(init: LinkInit) {
    const rtc = init.rtc ?? globalRtc();
    if (rtc === undefined) {
      throw new TypeError('No RTCPeerConnection here: pass `rtc`, or in Node use createLink from "@rallypoint/core/node"');
    }
    const holdCandidates = init.initiator && rtc.offerCandidatesAfterAnswer === true;
    this.#candidateGate = new CandidateGate(holdCandidates);
    this.#now = init.now ?? (() => performance.now());
    this.#epochMs = this.#now();
    this.#lastActivityMs = this.#epochMs;
    this.#logger = init.logger ?? consoleLogger;
    this.#unheard = new UnheardErrors(this.#logger, this.#now);
    this.#structures = init.structures ?? [];
    this.#decodeLimits = { ...DEFAULT_DECODE_LIMITS, ...init.decodeLimits };
    if (!Object.values(this.#decodeLimits).every((n) => Number.isInteger(n) && n >= 1)) {
      throw new TypeError('decodeLimits.maxDepth and decodeLimits.maxNodes must be whole numbers of at least 1');
    }
    this.#decoder = createFrameDecoder([], this.#decodeLimits);
    if (!isStructureList(this.#structures)) {
      throw new TypeError(
        `structures must be at most ${MAX_STRUCTURES} non-empty lists of at most ${MAX_STRUCTURE_KEYS} string keys`,
      );
    }
    this.#options = {
      heartbeatIntervalMs: init.heartbeatIntervalMs ?? 1000,
      heartbeatTimeoutMs: init.heartbeatTimeoutMs ?? 5000,
      connectTimeoutMs: init.connectTimeoutMs ?? 20_000,
    };
    this.#emitter = new Emitter((name, cause) => {
      // A throwing 'error' listener is not reported as another 'error' (that would loop).
      if (name === 'error') this.#logger.warn({ error: cause }, "an 'error' listener threw");
      else this.#report(new HandlerError(name, { cause }));
    });
    this.#conditioner = new LinkConditioner(init.conditions ?? {}, {
      now: this.#now,
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    });
    const eventsHighWater = init.eventsHighWaterMarkBytes ?? 1 * MiB;
    const stateHighWater = init.stateHighWaterMarkBytes ?? 64 * KiB;
    this.#lowWaterMarks = { state: Math.floor(stateHighWater / 4), events: Math.floor(eventsHighWater / 4) };
    const encoder = createFrameEncoder(this.#structures);
    const maxEventBytes = init.maxEventBytes ?? 16 * MiB;
    const shared = {
      encoder,
      conditioner: this.#conditioner,
      isOpen: () => this.#status === 'open',
      maxMessageSize: () => this.#maxMessageSize,
      report: (error: Error) => this.#report(error),
      onActivity: () => (this.#heardSinceTick = true),
      warn: (message: string, error: unknown) => this.#logger.warn({ error }, message),
    };
    this.#eventsLane = new EventsLane({
      ...shared,
      highWaterMarkBytes: eventsHighWater,
      maxEventBytes,
      maxQueuedBytes: init.maxQueuedBytes ?? 2 * maxEventBytes,
      maxPendingRequests: init.maxPendingRequests ?? 256,
      requestTimeoutMs: init.requestTimeoutMs ?? 10_000,
      isClosed: () => this.#status === 'closed',
      onHello: (hello) => this.#onHello(hello),
      helloReceived: () => this.#remoteHello !== null,
      onBadHello: (cause) => {
        const error = new HandshakeError('The remote hello was malformed', { cause });
        if (this.#status === 'connecting') this.#close('protocol-error', error);
        else this.#report(error);
      },
      onBye: (bye) => {
        this.#logger.debug({ reason: bye.reason }, 'remote said goodbye');
        this.#close('remote');
      },
    });
    this.#stateLane = new StateLane({
      ...shared,
      now: this.#now,
      epochMs: this.#epochMs,
      highWaterMarkBytes: stateHighWater,
      backlogBytes: () => this.#stateLane.bufferedAmount + this.#eventsLane.bufferedAmount,
    });
    this.#rates = {
      state: new RateMeter(this.#epochMs, () => ({
        totals: this.#stateLane.totals,
        lost: this.#stateLane.window.lost,
        received: this.#stateLane.window.received,
      })),
      events: new RateMeter(this.#epochMs, () => ({ totals: this.#eventsLane.totals, lost: 0, received: 0 })),
    };

    let pc: RTCPeerConnection | undefined;
    this.#peer = new SimplePeer({
      initiator: init.initiator,
      trickle: true,
      config: { iceServers: init.iceServers ?? [], iceTransportPolicy: init.iceTransportPolicy ?? 'all' },
      channelName: 'rallypoint-events',
      // With trickle on, simple-peer's wait-for-ICE-complete timer has no job; and destroy() does
      // not clear it, so at its 5 s default it held a closed link's process open for 5 s.
      iceCompleteTimeout: 1,
      // simple-peer's types want the browser's full constructor statics; it only ever calls `new`.
      wrtc: capturingRtc(rtc, {
        onConnection: (created) => (pc ??= created),
        // Runs inside simple-peer's constructor on the initiator: finish construction first.
        onEventsChannel: (channel) => queueMicrotask(() => this.#attachChannels(channel)),
        isOwnChannel: (channel) => channel.label === STATE_CHANNEL_LABEL,
      }) as unknown as SimplePeer.Options['wrtc'],
    });
    if (pc === undefined) throw new Error('simple-peer did not create an RTCPeerConnection');
    this.#pc = pc;
    this.#stateChannelId = init.stateChannelId ?? DEFAULT_STATE_CHANNEL_ID;
    this.#wire();
    this.#connectTimer = setTimeout(() => {
      if (this.#status === 'connecting') {
        this.#close('timeout', new ConnectTimeoutError(this.#options.connectTimeoutMs));
      }
    }, this.#options.connectTimeoutMs);
  }

  get status(): LinkStatus {
    return this.#status;
  }

  get events(): EventsLaneApi<EventsOf<T>, RequestsOf<T>> {
    return this.#eventsLane;
  }

  get state(): StateLaneApi<StateOf<T>> {
    return this.#stateLane;
  }

  signal(data: LinkSignal): void {
    if (this.#status === 'closed') return;
    if (typeof data !== 'object' || data === null || typeof data.type !== 'string') {
      this.#report(new InvalidSignalError('Signal data must be an object with a string `type`'));
      return;
    }
    try {
      this.#peer.signal(data as unknown as SimplePeer.SignalData);
    } catch (cause) {
      this.#report(new InvalidSignalError('simple-peer refused the signal', { cause }));
      return;
    }
    // simple-peer hands the answer to the connection synchronously: its fingerprint is known now.
    if (data.type === 'answer') for (const candidate of this.#candidateGate.answered()) this.#emitter.emit('signal', candidate);
  }

  on<K extends keyof LinkEvents>(name: K, fn: (event: LinkEvents[K]) => void): () => void {
    return this.#emitter.on(name, fn);
  }

  once<K extends keyof LinkEvents>(name: K, fn: (event: LinkEvents[K]) => void): () => void {
    return this.#emitter.once(name, fn);
  }

  off<K extends keyof LinkEvents>(name: K, fn: (event: LinkEvents[K]) => void): void {
    this.#emitter.off(name, fn);
  }

  setConditions(conditions: LinkConditions): void {
    this.#conditioner.set(conditions);
  }

  stats(): LinkStats {
    return linkStats({
      status: this.#status,
      candidateType: this.#candidateType,
      state: this.#stateLane,
      events: this.#eventsLane,
      rates: this.#rates,
    });
  }

  close(): void {
    this.#close('local');
  }

  #wire(): void {
    const peer = this.#peer;
    peer.on('signal', (data: SimplePeer.SignalData) => {
      for (const signal of this.#candidateGate.outgoing(data as unknown as LinkSignal)) this.#emitter.emit('signal', signal);
    });
    // Not simple-peer's 'connect': it polls getStats() for the candidate pair first, which costs
    // milliseconds of connect time; the channel's own 'open' is all the handshake needs.
    peer.on('data', (data: Uint8Array | string) =>
      this.#guard(this.#eventsLane, 'events', () => {
        if (typeof data === 'string') this.#eventsLane.receiveText(); // the link never sends text
        else this.#eventsLane.receive(data, this.#decoder);
      }),
    );
    peer.on('close', () => this.#close('remote'));
    peer.on('error', (error: Error) =>
      this.#close('connection-failed', new ConnectionFailedError(error.message, { cause: error })),
    );
    this.#cleanups.push(
      watchConnection(this.#pc, (diagnostic) => {
        this.#emitter.emit('diagnostic', diagnostic);
        if (diagnostic.kind === 'ice-connection-state' && (diagnostic.state === 'connected' || diagnostic.state === 'completed')) {
          this.#refreshCandidateType();
        }
      }),
    );
  }

  /**
   * The events channel exists (the initiator made it; the other side was told of it): attach it,
   * and create the negotiated state channel. The answering side creates it only now, after the
   * offer, because creating a channel earlier makes some stacks (libdatachannel) start an offer
   * of their own, which collides with the initiator's.
   */
  #attachChannels(eventsChannel: RTCDataChannel): void {
    if (this.#status === 'closed' || this.#eventsChannel !== null) return;
    this.#eventsChannel = eventsChannel;
    this.#eventsLane.attach(eventsChannel);
    const onEventsLow = () => {
      this.#eventsLane.flush();
      this.#emitter.emit('drain', { lane: 'events' });
    };
    const onEventsOpen = () => {
      this.#eventsOpen = true;
      this.#maybeSendHello();
    };
    eventsChannel.addEventListener('bufferedamountlow', onEventsLow);
    eventsChannel.addEventListener('open', onEventsOpen);
    this.#cleanups.push(() => {
      eventsChannel.removeEventListener('bufferedamountlow', onEventsLow);
      eventsChannel.removeEventListener('open', onEventsOpen);
    });

    const channel = this.#pc.createDataChannel(STATE_CHANNEL_LABEL, {
      negotiated: true,
      id: this.#stateChannelId,
      ordered: false,
      maxRetransmits: 0,
    });
    this.#stateChannel = channel;
    channel.binaryType = 'arraybuffer';
    channel.bufferedAmountLowThreshold = this.#lowWaterMarks.state;
    this.#stateLane.attach(channel);
    const onOpen = () => {
      this.#stateOpen = true;
      this.#maybeSendHello();
    };
    const onMessage = (event: MessageEvent) =>
      this.#guard(this.#stateLane, 'state', () => {
        const data: unknown = event.data;
        if (data instanceof ArrayBuffer) this.#stateLane.receive(new Uint8Array(data));
        else this.#stateLane.receiveText(); // the link never sends text
      });
    const onStateLow = () => {
      this.#stateLane.flush();
      this.#emitter.emit('drain', { lane: 'state' });
    };
    const onClose = () => this.#close('remote');
    channel.addEventListener('open', onOpen);
    channel.addEventListener('message', onMessage);
    channel.addEventListener('bufferedamountlow', onStateLow);
    channel.addEventListener('close', onClose);
    this.#cleanups.push(() => {
      channel.removeEventListener('open', onOpen);
      channel.removeEventListener('message', onMessage);
      channel.removeEventListener('bufferedamountlow', onStateLow);
      channel.removeEventListener('close', onClose);
    });
    if (eventsChannel.readyState === 'open') onEventsOpen();
    if (channel.readyState === 'open') onOpen();
  }

  #maybeSendHello(): void {
    if (this.#helloSent || !this.#eventsOpen || !this.#stateOpen || this.#status !== 'connecting') return;
    if (this.#eventsChannel !== null) {
      // Refill at a quarter of the high-water mark (simple-peer sets its own 64 KiB threshold).
      this.#eventsChannel.bufferedAmountLowThreshold = this.#lowWaterMarks.events;
    }
    this.#helloSent = true;
    this.#eventsLane.sendHello([
      FrameKind.Hello,
      LINK_PROTOCOL_VERSION,
      this.#structures,
      remoteMaxMessageSize(this.#pc),
      this.#epochMs,
      wrapU32((this.#now() - this.#epochMs) * 1000),
    ]);
    this.#maybeOpen();
  }

  #onHello(hello: HelloFrame): void {
    if (this.#remoteHello !== null) {
      this.#eventsLane.bad(new HandshakeError('The remote sent a second hello'));
      return;
    }
    if (hello.version !== LINK_PROTOCOL_VERSION) {
      this.#close('protocol-error', new ProtocolVersionMismatchError(LINK_PROTOCOL_VERSION, hello.version));
      return;
    }
    try {
      this.#decoder = createFrameDecoder(hello.structures, this.#decodeLimits);
    } catch (cause) {
      this.#close('protocol-error', new HandshakeError('The remote structures are unusable', { cause }));
      return;
    }
    this.#remoteHello = hello;
    this.#stateLane.setRemote(this.#decoder, new RemoteClock(hello.epochMs, hello.elapsedUs));
    this.#maybeOpen();
  }

  #maybeOpen(): void {
    const hello = this.#remoteHello;
    if (!this.#helloSent || hello === null || this.#status !== 'connecting') return;
    this.#maxMessageSize = Math.min(remoteMaxMessageSize(this.#pc), hello.maxMessageSize || DEFAULT_MAX_MESSAGE_SIZE);
    this.#status = 'open';
    if (this.#connectTimer !== null) clearTimeout(this.#connectTimer);
    this.#connectTimer = null;
    this.#lastActivityMs = this.#now();
    this.#heartbeatTimer = setInterval(() => this.#heartbeat(), this.#options.heartbeatIntervalMs);
    this.#stateLane.ping();
    this.#refreshCandidateType();
    this.#emitter.emit('open', { maxMessageSize: this.#maxMessageSize });
    this.#eventsLane.flush();
  }

  #heartbeat(): void {
    const now = this.#now();
    if (this.#heardSinceTick) {
      this.#heardSinceTick = false;
      this.#lastActivityMs = now;
    }
    if (now - this.#lastActivityMs > this.#options.heartbeatTimeoutMs) {
      this.#close('timeout', new HeartbeatTimeoutError(this.#options.heartbeatTimeoutMs));
      return;
    }
    this.#rates.state.sample(now);
    this.#rates.events.sample(now);
    this.#stateLane.ping();
  }

  #refreshCandidateType(): void {
    selectedCandidateType(this.#pc).then(
      (type) => {
        if (type !== null) this.#candidateType = type;
      },
      (error: unknown) => this.#logger.debug({ error }, 'getStats failed'),
    );
  }

  /**
   * Runs a channel's message handler so that nothing the peer sends can throw out of it (into
   * simple-peer's stream, or the event loop as an uncaught exception): what the lane did not
   * handle itself is counted as bad input and reported.
   */
  #guard(lane: { bad(error: Error): void }, name: Lane, receive: () => void): void {
    try {
      receive();
    } catch (cause) {
      lane.bad(new MalformedMessageError(name, { cause }));
    }
  }

  #report(error: Error): void {
    if (this.#emitter.has('error')) this.#emitter.emit('error', error);
    else this.#unheard.report(error);
  }

  #close(reason: CloseReason, error?: Error): void {
    if (this.#status === 'closed') return;
    const wasOpen = this.#status === 'open';
    this.#status = 'closed';
    try {
      if (reason === 'local' && wasOpen) this.#eventsLane.sendBye('local');
      if (this.#heartbeatTimer !== null) clearInterval(this.#heartbeatTimer);
      if (this.#connectTimer !== null) clearTimeout(this.#connectTimer);
      this.#heartbeatTimer = null;
      this.#connectTimer = null;
      this.#conditioner.stop();
      for (const cleanup of this.#cleanups.splice(0)) cleanup();
      this.#eventsLane.close(new LinkClosedError(`The link closed (${reason})`, { cause: error }));
      this.#stateLane.close();
      this.#destroyPeer(reason === 'local' && wasOpen);
    } finally {
      // Whatever went wrong in teardown, the game must hear that the link is closed.
      this.#logger.debug({ reason, error }, 'link closed');
      this.#emitter.emit('close', error === undefined ? { reason } : { reason, error });
      this.#emitter.clear();
    }
  }

  /**
   * Closes the channels and the connection. After a local close the goodbye is already queued
   * on the events channel; tearing the connection down at once can drop it (and then the other
   * side only learns of the close from its heartbeat timeout), so wait for it to drain, briefly.
   */
  #destroyPeer(letGoodbyeOut: boolean): void {
    const destroy = () => {
      try {
        this.#stateChannel?.close();
      } catch (cause) {
        this.#logger.debug({ error: cause }, 'closing the state channel failed');
      }
      this.#peer.destroy();
    };
    const channel = this.#eventsChannel;
    if (!letGoodbyeOut || channel === null) return destroy();
    const deadline = this.#now() + GOODBYE_GRACE_MS;
    const poll = () => {
      if (channel.readyState !== 'open' || channel.bufferedAmount === 0 || this.#now() >= deadline) destroy();
      else setTimeout(poll, 5);
    };
    setTimeout(poll, 0);
  }

}
