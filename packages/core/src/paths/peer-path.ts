/**
 * A `PeerPath` is one RTCPeerConnection (rtc-peer.ts) with its two data channels: the events
 * channel the initiator makes, and a negotiated, unordered one without retransmits for the
 * state lane. A link has one at a time, and makes a new one when the old one dies (libdatachannel
 * has no ICE restart, libdatachannel#545, so a fresh connection is how a Node peer restarts ICE).
 */
import { ConnectionFailedError } from '../errors.js';
import { PathMedia } from '../media/path-media.js';
import { CandidateGate } from './candidate-gate.js';
import { RtcPeer } from './rtc-peer.js';
import { remoteMaxMessageSize, selectedCandidateType, watchConnection } from './rtc.js';
import type { CandidateType, DirectPath, DirectPathInit, LinkSignal, PathHandlers } from './types.js';

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
/** The events channel's low-water mark until the lanes move onto it (useLinkLowWaterMark). */
const INITIAL_EVENTS_LOW_WATER = 64 * 1024;

/** A binary message as bytes (channels here deliver ArrayBuffers); text as it is. */
const asBytes = (data: unknown): Uint8Array | string => (typeof data === 'string' ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : String(data));

export class PeerPath implements DirectPath {
  readonly kind = 'p2p';
  readonly id: number;
  events: RTCDataChannel | null = null;
  state: RTCDataChannel | null = null;
  /** Set by every message; the link reads and clears it to see whether the path is alive. */
  heard = false;
  #eventsOpen = false;
  #stateOpen = false;
  #open = false;
  #dead = false;
  #closing: ReturnType<typeof setTimeout> | null = null;
  readonly #peer: RtcPeer;
  readonly #pc: RTCPeerConnection;
  readonly #gate: CandidateGate;
  readonly #cleanups: Array<() => void> = [];
  /** Tracks on this connection (see media.ts). */
  readonly media: PathMedia;

  constructor(
    private readonly init: DirectPathInit,
    private readonly handlers: PathHandlers,
  ) {
    this.id = init.id;
    this.#gate = new CandidateGate(init.initiator && init.rtc.offerCandidatesAfterAnswer === true);
    this.#peer = new RtcPeer({
      initiator: init.initiator,
      rtc: init.rtc,
      config: { iceServers: init.iceServers, iceTransportPolicy: init.iceTransportPolicy },
      channelName: EVENTS_CHANNEL_LABEL,
      signal: (data) => {
        if (this.#dead) return;
        if (data.type === 'offer') this.media.countOffer();
        // The answer is set: a channel made now cannot start an offer of its own (see #makeStateChannel).
        if (data.type === 'answer') this.#makeStateChannel();
        for (const signal of this.#gate.outgoing(data)) this.init.onSignal(signal);
      },
      // Runs inside the constructor on the initiator: finish construction first.
      channel: (channel) => queueMicrotask(() => this.#attachChannels(channel)),
      closed: (error) => (error === undefined ? this.#closedByPeer() : this.#die(new ConnectionFailedError(error.message, { cause: error }))),
      debug: init.debug,
    });
    this.#pc = this.#peer.pc;
    this.media = new PathMedia(this.#peer, this.#pc, init.initiator, init.media);
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
    this.#peer.signal(data);
    // The answer went to the connection synchronously: its fingerprint is known now.
    if (data.type === 'answer') for (const candidate of this.#gate.answered()) this.init.onSignal(candidate);
  }

  candidateType(): Promise<CandidateType | null> {
    return selectedCandidateType(this.#pc);
  }

  /** Raise the events channel's low-water mark from its first 64 KiB to the link's. */
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
      this.#peer.close();
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
    this.events.addEventListener('close', once, { once: true });
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
    this.#cleanups.push(
      watchConnection(this.#pc, (diagnostic) => {
        this.init.onDiagnostic(diagnostic);
        if (diagnostic.kind === 'ice-connection-state' && (diagnostic.state === 'connected' || diagnostic.state === 'completed')) this.init.onConnected();
      }),
    );
  }

  /** The events channel exists (the initiator made it; the other side was told of it): attach it, and the state channel. */
  #attachChannels(eventsChannel: RTCDataChannel): void {
    if (this.#dead || this.events !== null) return;
    this.events = eventsChannel;
    eventsChannel.bufferedAmountLowThreshold = INITIAL_EVENTS_LOW_WATER;
    const onEventsLow = () => this.handlers.drain('events');
    const onEventsOpen = () => {
      this.#eventsOpen = true;
      this.#maybeOpen();
    };
    const onEvents = (event: MessageEvent) => {
      if (this.#dead) return;
      this.heard = true;
      this.handlers.events(asBytes(event.data));
    };
    eventsChannel.addEventListener('bufferedamountlow', onEventsLow);
    eventsChannel.addEventListener('open', onEventsOpen);
    eventsChannel.addEventListener('message', onEvents);
    this.#cleanups.push(() => {
      eventsChannel.removeEventListener('bufferedamountlow', onEventsLow);
      eventsChannel.removeEventListener('open', onEventsOpen);
      eventsChannel.removeEventListener('message', onEvents);
    });

    this.#makeStateChannel();
    if (eventsChannel.readyState === 'open') onEventsOpen();
  }

  /**
   * The negotiated state channel: the initiator's with the events channel, before its offer; the
   * answering side's as soon as its answer is set. Not earlier: a channel made before the answer
   * makes some stacks (libdatachannel) start an offer of their own, which collides with the
   * initiator's. Not later either: the initiator's state channel is open the moment SCTP is, and
   * its first message can arrive before the answering side has heard of the events channel.
   * libdatachannel drops a message on a stream with no channel and resets that stream, which
   * closes the state channel on both sides (seen under CPU load, in about half the connections).
   */
  #makeStateChannel(): void {
    if (this.#dead || this.state !== null) return;
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
    if (channel.readyState === 'open') onOpen();
  }

  #maybeOpen(): void {
    if (this.#open || this.#dead || !this.#eventsOpen || !this.#stateOpen) return;
    this.#open = true;
    this.handlers.open();
  }
}

