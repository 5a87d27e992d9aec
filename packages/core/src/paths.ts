/**
 * The paths a link's two lanes can travel by. A `PeerPath` is one RTCPeerConnection (through
 * simple-peer) with its two data channels; a link has one at a time, and makes a new one when the
 * old one dies (libdatachannel has no ICE restart, libdatachannel#545, so a fresh connection is
 * how a Node peer restarts ICE). A `RelayPath` carries both lanes through the lobby server when
 * no direct path works. The lanes above do not care which: they send through `LaneChannel`s.
 */
import SimplePeer from 'simple-peer';
import { CandidateGate } from './candidate-gate.js';
import { ConnectionFailedError, type Lane } from './errors.js';
import type { LaneChannel } from './events-lane.js';
import { PathMedia, type PathMediaHandlers } from './media.js';
import { capturingRtc, remoteMaxMessageSize, selectedCandidateType, watchConnection, type CandidateType, type LinkDiagnostic, type RtcImplementation } from './rtc.js';
import type { LinkSignal } from './types.js';

/** What a path tells the link. */
export interface PathHandlers {
  /** Both channels are open: the path can carry the lanes. */
  open(): void;
  /** A message on the events channel (strings too: they are bad input). */
  events(data: Uint8Array | string): void;
  /** A message on the state channel. */
  state(data: unknown): void;
  /** A channel's buffer fell below its low-water mark. */
  drain(lane: Lane): void;
  /** The path is gone (closed by the other side, or failed); `error` names a failure. */
  dead(error?: Error): void;
}

export interface PeerPathInit {
  /** 0 for the link's first connection; each new one the initiator makes counts up. */
  id: number;
  initiator: boolean;
  rtc: RtcImplementation;
  iceServers: RTCIceServer[];
  iceTransportPolicy: RTCIceTransportPolicy;
  stateChannelId: number;
  lowWaterMarks: { state: number; events: number };
  onSignal(signal: LinkSignal): void;
  onDiagnostic(diagnostic: LinkDiagnostic): void;
  /** ICE connected (again): the selected candidate pair may have changed. */
  onConnected(): void;
  /** The peer's tracks on this connection, and this connection's media going away. */
  media: PathMediaHandlers;
  debug(data: Record<string, unknown>, message: string): void;
}

const EVENTS_CHANNEL_LABEL = 'rallypoint-events';
const STATE_CHANNEL_LABEL = 'rallypoint-state';
/** How long a path's close, after a goodbye, waits for the other side to close its own (see close()). */
const GOODBYE_GRACE_MS = 250;
/**
 * How long a connection the other side closed keeps delivering before it counts as dead: the
 * state channel's close can be handled before the goodbye still arriving on the events channel
 * (two streams, no order between them), and the goodbye is what says the link itself closed.
 */
const CLOSED_GRACE_MS = 100;

export class PeerPath {
  readonly kind = 'p2p';
  readonly id: number;
  readonly policy: RTCIceTransportPolicy;
  events: RTCDataChannel | null = null;
  state: RTCDataChannel | null = null;
  /** Set by every message; the link reads and clears it to see whether the path is alive. */
  heard = false;
  #eventsOpen = false;
  #stateOpen = false;
  #open = false;
  #dead = false;
  #closing: ReturnType<typeof setTimeout> | null = null;
  readonly #peer: SimplePeer.Instance;
  readonly #pc: RTCPeerConnection;
  readonly #gate: CandidateGate;
  readonly #cleanups: Array<() => void> = [];
  /** Tracks on this connection (see media.ts). */
  readonly media: PathMedia;

  constructor(
    private readonly init: PeerPathInit,
    private readonly handlers: PathHandlers,
  ) {
    this.id = init.id;
    this.policy = init.iceTransportPolicy;
    this.#gate = new CandidateGate(init.initiator && init.rtc.offerCandidatesAfterAnswer === true);
    let pc: RTCPeerConnection | undefined;
    this.#peer = new SimplePeer({
      initiator: init.initiator,
      trickle: true,
      config: { iceServers: init.iceServers, iceTransportPolicy: init.iceTransportPolicy },
      channelName: EVENTS_CHANNEL_LABEL,
      // With trickle on, simple-peer's wait-for-ICE-complete timer has no job; and destroy() does
      // not clear it, so at its 5 s default it held a closed link's process open for 5 s.
      iceCompleteTimeout: 1,
      // simple-peer's types want the browser's full constructor statics; it only ever calls `new`.
      wrtc: capturingRtc(init.rtc, {
        onConnection: (created) => (pc ??= created),
        // Runs inside simple-peer's constructor on the initiator: finish construction first.
        onEventsChannel: (channel) => queueMicrotask(() => this.#attachChannels(channel)),
        isOwnChannel: (channel) => channel.label === STATE_CHANNEL_LABEL,
      }) as unknown as SimplePeer.Options['wrtc'],
    });
    if (pc === undefined) throw new Error('simple-peer did not create an RTCPeerConnection');
    this.#pc = pc;
    this.media = new PathMedia(this.#peer, pc, init.initiator, init.media);
    this.#wire();
  }

  get isOpen(): boolean {
    return this.#open && !this.#dead;
  }

  get isDead(): boolean {
    return this.#dead;
  }

  /** The largest message the remote accepts on this connection. */
  get remoteMaxMessageSize(): number {
    return remoteMaxMessageSize(this.#pc);
  }

  signal(data: LinkSignal): void {
    if (data.type === 'offer') this.media.countOffer();
    this.#peer.signal(data as unknown as SimplePeer.SignalData);
    // simple-peer hands the answer to the connection synchronously: its fingerprint is known now.
    if (data.type === 'answer') for (const candidate of this.#gate.answered()) this.init.onSignal(candidate);
  }

  candidateType(): Promise<CandidateType | null> {
    return selectedCandidateType(this.#pc);
  }

  /** Raise the events channel's low-water mark from simple-peer's 64 KiB to the link's. */
  useLinkLowWaterMark(): void {
    if (this.events !== null) this.events.bufferedAmountLowThreshold = this.init.lowWaterMarks.events;
  }

  /**
   * Closes the channels and the connection. With `letGoodbyeOut`, the goodbye just queued on the
   * events channel gets to arrive first: the connection stays until the other side, having read
   * it, closes its own (or GOODBYE_GRACE_MS). An empty send buffer is not enough: what SCTP still
   * holds is lost when the connection goes, and under load the goodbye was (the other side then
   * only learned of the close from its heartbeat timeout).
   */
  close(letGoodbyeOut = false): void {
    const wasDead = this.#dead;
    this.#dead = true;
    this.media.close();
    if (this.#closing !== null) clearTimeout(this.#closing);
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
    if (wasDead && letGoodbyeOut) return;
    const destroy = () => {
      try {
        this.state?.close();
      } catch (cause) {
        this.init.debug({ error: cause }, 'closing the state channel failed');
      }
      this.#peer.destroy();
    };
    if (!letGoodbyeOut || this.events === null || this.events.readyState !== 'open') return destroy();
    let done = false;
    const once = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      destroy();
    };
    const timer = setTimeout(once, GOODBYE_GRACE_MS);
    this.#peer.once('close', once);
  }

  #die(error?: Error): void {
    if (this.#dead) return;
    this.close();
    this.handlers.dead(error);
  }

  /** The other side closed the connection: what is still arriving is read first, briefly. */
  #closedByPeer(): void {
    if (this.#dead || this.#closing !== null) return;
    this.#closing = setTimeout(() => this.#die(), CLOSED_GRACE_MS);
  }

  #wire(): void {
    const peer = this.#peer;
    peer.on('signal', (data: SimplePeer.SignalData) => {
      if (this.#dead) return;
      if (data.type === 'offer') this.media.countOffer();
      for (const signal of this.#gate.outgoing(data as unknown as LinkSignal)) this.init.onSignal(signal);
    });
    // Not simple-peer's 'connect': it polls getStats() for the candidate pair first, which costs
    // milliseconds of connect time; the channel's own 'open' is all the handshake needs.
    peer.on('data', (data: Uint8Array | string) => {
      if (this.#dead) return;
      this.heard = true;
      this.handlers.events(data);
    });
    peer.on('close', () => this.#closedByPeer());
    peer.on('error', (error: Error) => this.#die(new ConnectionFailedError(error.message, { cause: error })));
    this.#cleanups.push(
      watchConnection(this.#pc, (diagnostic) => {
        this.init.onDiagnostic(diagnostic);
        if (diagnostic.kind === 'ice-connection-state' && (diagnostic.state === 'connected' || diagnostic.state === 'completed')) this.init.onConnected();
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
    if (this.#dead || this.events !== null) return;
    this.events = eventsChannel;
    const onEventsLow = () => this.handlers.drain('events');
    const onEventsOpen = () => {
      this.#eventsOpen = true;
      this.#maybeOpen();
    };
    eventsChannel.addEventListener('bufferedamountlow', onEventsLow);
    eventsChannel.addEventListener('open', onEventsOpen);
    this.#cleanups.push(() => {
      eventsChannel.removeEventListener('bufferedamountlow', onEventsLow);
      eventsChannel.removeEventListener('open', onEventsOpen);
    });

    const channel = this.#pc.createDataChannel(STATE_CHANNEL_LABEL, {
      negotiated: true,
      id: this.init.stateChannelId,
      ordered: false,
      maxRetransmits: 0,
    });
    this.state = channel;
    channel.binaryType = 'arraybuffer';
    channel.bufferedAmountLowThreshold = this.init.lowWaterMarks.state;
    const onOpen = () => {
      this.#stateOpen = true;
      this.#maybeOpen();
    };
    const onMessage = (event: MessageEvent) => {
      this.heard = true;
      this.handlers.state(event.data);
    };
    const onStateLow = () => this.handlers.drain('state');
    const onClose = () => this.#closedByPeer();
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

  #maybeOpen(): void {
    if (this.#open || this.#dead || !this.#eventsOpen || !this.#stateOpen) return;
    this.#open = true;
    this.handlers.open();
  }
}

/** The three lanes of the relay: the link's two, and the relay's own handshake. */
export type RelayLane = 'events' | 'state' | 'hello';

/**
 * A way to the peer's link through the lobby server (the lobby hands one to each link it makes).
 * Frames go in order and are not lost while the lobby connection holds; what a lost connection
 * drops, the events lane sends again.
 */
export interface LinkRelay {
  /** Send one frame to the peer's link. */
  send(lane: RelayLane, frame: Uint8Array): void;
  /** Bytes waiting to leave on the lobby connection (shared by every link of the session). */
  readonly bufferedAmount: number;
  /** Largest frame the relay carries. */
  readonly maxMessageSize: number;
  /** Frames from the peer's link; returns an unsubscribe function. */
  onFrame(fn: (lane: RelayLane, frame: Uint8Array) => void): () => void;
}

/** How often the relay handshake is sent again until the peer's link answers it. */
const RELAY_HELLO_INTERVAL_MS = 1000;
/** How often a backed-up relay is polled for room (a WebSocket has no low-water event). */
const RELAY_DRAIN_POLL_MS = 10;

/**
 * Both lanes through the lobby. Usable once the peer's link has answered the handshake: each side
 * sends a random nonce and echoes the other's, so a side knows the other's link is there and
 * listening before it moves its lanes here.
 */
export class RelayPath {
  readonly kind = 'relay';
  readonly events: LaneChannel;
  readonly state: LaneChannel;
  heard = false;
  #confirmed = false;
  #closed = false;
  readonly #nonce: number;
  #peerNonce: number | null = null;
  readonly #unsubscribe: () => void;
  #helloTimer: ReturnType<typeof setInterval> | null = null;
  #drainTimer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly relay: LinkRelay,
    private readonly handlers: Omit<PathHandlers, 'dead'>,
    private readonly lowWaterMark: number,
    random: () => number = Math.random,
  ) {
    this.#nonce = (Math.floor(random() * 0xffff_ffff) >>> 0) || 1;
    const channel = (lane: Lane): LaneChannel => {
      const self = this;
      return {
        get readyState() {
          return self.#confirmed && !self.#closed ? 'open' : 'connecting';
        },
        get bufferedAmount() {
          return relay.bufferedAmount;
        },
        send: (data) => this.#send(lane, data),
      };
    };
    this.events = channel('events');
    this.state = channel('state');
    this.#unsubscribe = relay.onFrame((lane, frame) => this.#receive(lane, frame));
    this.#sendHello();
    this.#helloTimer = setInterval(() => this.#sendHello(), RELAY_HELLO_INTERVAL_MS);
  }

  get isOpen(): boolean {
    return this.#confirmed && !this.#closed;
  }

  get maxMessageSize(): number {
    return this.relay.maxMessageSize;
  }

  close(): void {
    this.#closed = true;
    this.#unsubscribe();
    if (this.#helloTimer !== null) clearInterval(this.#helloTimer);
    if (this.#drainTimer !== null) clearInterval(this.#drainTimer);
    this.#helloTimer = this.#drainTimer = null;
  }

  #send(lane: Lane, data: Uint8Array): void {
    if (this.#closed) return;
    this.relay.send(lane, data);
    if (this.#drainTimer === null && this.relay.bufferedAmount > this.lowWaterMark) {
      this.#drainTimer = setInterval(() => {
        if (this.relay.bufferedAmount > this.lowWaterMark) return;
        if (this.#drainTimer !== null) clearInterval(this.#drainTimer);
        this.#drainTimer = null;
        this.handlers.drain('state');
        this.handlers.drain('events');
      }, RELAY_DRAIN_POLL_MS);
    }
  }

  #sendHello(): void {
    const frame = new Uint8Array(8);
    const view = new DataView(frame.buffer);
    view.setUint32(0, this.#nonce);
    view.setUint32(4, this.#peerNonce ?? 0);
    this.relay.send('hello', frame);
  }

  #receive(lane: RelayLane, frame: Uint8Array): void {
    if (this.#closed) return;
    if (lane !== 'hello') {
      this.heard = true;
      if (lane === 'events') this.handlers.events(frame);
      else this.handlers.state(frame);
      return;
    }
    if (frame.byteLength !== 8) return;
    const view = new DataView(frame.buffer, frame.byteOffset, 8);
    const theirs = view.getUint32(0);
    const echo = view.getUint32(4);
    const fresh = theirs !== this.#peerNonce;
    this.#peerNonce = theirs;
    this.heard = true;
    if (fresh || echo !== this.#nonce) this.#sendHello();
    if (echo === this.#nonce && !this.#confirmed) {
      this.#confirmed = true;
      if (this.#helloTimer !== null) clearInterval(this.#helloTimer);
      this.#helloTimer = null;
      this.handlers.open();
    }
  }
}
