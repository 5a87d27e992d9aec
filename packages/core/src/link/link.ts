/**
 * A peer link: the events lane (reliable, ordered) and the state lane (unreliable, unordered)
 * between two players, over a path: a WebRTC connection through simple-peer (direct or through
 * TURN), or, when no direct path works, the lobby relay. `PeerLink` is the facade that puts the
 * parts together and owns the link's life (connecting, open, closed):
 *
 * - lanes.ts: the two lanes, and what arrives for them;
 * - connections.ts: the WebRTC connections, made and replaced through the link's signaling;
 * - handshake.ts: the hellos that open the link;
 * - path-choice.ts: which path the lanes travel on, and moving them;
 * - liveness.ts: heartbeats, and the silence that ends a path or the link.
 */
import { Emitter } from '../emitter.js';
import { ConnectTimeoutError, ConnectionFailedError, HandlerError, HandshakeError, HeartbeatTimeoutError, LinkClosedError } from '../errors.js';
import { LinkConditioner } from '../lanes/conditioner.js';
import { RemoteClock } from '../lanes/sequence.js';
import type { EventsLaneApi, StateLaneApi } from '../lanes/types.js';
import { LinkMedia } from '../media/link-media.js';
import type { LinkMediaApi } from '../media/types.js';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../paths/rtc.js';
import { RelayPath } from '../paths/relay-path.js';
import { PeerPath } from '../paths/peer-path.js';
import type { DirectPath, DirectPathFactory, LaneChannel, PathHandlers } from '../paths/types.js';
import type { LinkStats } from '../stats-types.js';
import type { CloseReason, EventsOf, LinkConditions, LinkEvents, LinkInit, LinkSignal, LinkStatus, LinkTransport, LinkTypes, RequestsOf, StateOf } from '../types.js';
import { UnheardErrors } from '../unheard.js';
import { createFrameEncoder } from '../wire/codec.js';
import { wrapU32, type HelloFrame } from '../wire/frames.js';
import { Connections } from './connections.js';
import { Handshake } from './handshake.js';
import { LinkLanes } from './lanes.js';
import { Liveness } from './liveness.js';
import { readLinkInit, type LinkSettings } from './options.js';
import { PathChoice } from './path-choice.js';
import { PathProbes } from './probes.js';
import { linkStats } from './stats.js';

/** One peer link: the events lane and the state lane to one other player, over WebRTC, TURN or the lobby relay. Made by `createLink` (or by a lobby session). */
export interface Link<T extends LinkTypes = LinkTypes> {
  /** `connecting` until both sides have exchanged hellos, then `open`, then `closed` for good. */
  readonly status: LinkStatus;
  /**
   * How the lanes travel now: `p2p` (a direct connection), `turn` (a connection through a TURN
   * server), `relay` (through the lobby server); null until open. See `transportChanged`.
   */
  readonly transport: LinkTransport | null;
  /** The reliable, ordered lane: named events and requests. */
  readonly events: EventsLaneApi<EventsOf<T>, RequestsOf<T>>;
  /** The unreliable, unordered lane: newest-wins state. */
  readonly state: StateLaneApi<StateOf<T>>;
  /** Audio and video tracks on the same connection (browsers only; the lobby relay carries none). */
  readonly media: LinkMediaApi;
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
  return new PeerLink<T>(init, { createPath: (pathInit, handlers) => new PeerPath(pathInit, handlers) });
}

/** Parts a link is made of that tests replace (not exported from the package). */
export interface LinkParts {
  /** Makes the link's connections. @default a `PeerPath` (simple-peer) each */
  createPath: DirectPathFactory;
}

/** `createLink` with its parts given: for tests of the link over in-memory paths. */
export function createLinkWith<T extends LinkTypes = LinkTypes>(init: LinkInit, parts: LinkParts): Link<T> {
  return new PeerLink<T>(init, parts);
}

class PeerLink<T extends LinkTypes> implements Link<T> {
  #status: LinkStatus = 'connecting';
  readonly #emitter: Emitter<LinkEvents>;
  readonly #settings: LinkSettings;
  readonly #lanes: LinkLanes<T>;
  readonly #media = new LinkMedia({ report: (error) => this.#report(error) });
  readonly #conditioner: LinkConditioner;
  readonly #epochMs: number;
  /** Errors reported while nobody listens for 'error'. */
  readonly #unheard: UnheardErrors;
  readonly #handshake: Handshake;
  readonly #relay: RelayPath | null;
  readonly #connections: Connections;
  readonly #paths: PathChoice;
  readonly #liveness: Liveness;
  readonly #probes: PathProbes;
  #connectTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(init: LinkInit, parts: LinkParts) {
    const settings = (this.#settings = readLinkInit(init));
    const { now, logger, timing } = settings;
    this.#epochMs = now();
    this.#unheard = new UnheardErrors(logger, now);
    this.#emitter = new Emitter((name, cause) => {
      // A throwing 'error' listener is not reported as another 'error' (that would loop).
      if (name === 'error') logger.warn({ error: cause }, "an 'error' listener threw");
      else this.#report(new HandlerError(name, { cause }));
    });
    this.#conditioner = new LinkConditioner(init.conditions ?? {}, {
      now,
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    });
    this.#handshake = new Handshake({ structures: settings.structures, decodeLimits: settings.decodeLimits, now, epochMs: this.#epochMs, localMaxMessageSize: () => this.#localMaxMessageSize() });
    this.#lanes = new LinkLanes<T>({
      init,
      encoder: createFrameEncoder(settings.structures),
      conditioner: this.#conditioner,
      now,
      epochMs: this.#epochMs,
      drained: (lane) => this.#emitter.emit('drain', { lane }),
      hooks: {
        isOpen: () => this.#status === 'open',
        isClosed: () => this.#status === 'closed',
        maxMessageSize: () => this.#handshake.maxMessageSize,
        report: (error) => this.#report(error),
        onActivity: () => this.#liveness.heard(),
        warn: (message, error) => logger.warn({ error }, message),
        onHello: (hello, channel) => this.#onHello(hello, channel),
        helloReceived: () => this.#handshake.received,
        onBadHello: (error) => this.#onBadHello(error),
        onBye: (bye) => {
          logger.debug({ reason: bye.reason }, 'remote said goodbye');
          this.#close('remote');
        },
        onResume: (channel) => this.#paths.onResume(channel),
      },
    });
    this.#probes = new PathProbes(now, () => wrapU32((now() - this.#epochMs) * 1000));
    this.#relay = init.relay === undefined ? null : new RelayPath(init.relay, this.#relayHandlers(), this.#lanes.lowWaterMarks.state);
    this.#connections = new Connections({
      init,
      createPath: parts.createPath,
      rtc: settings.rtc,
      lowWaterMarks: this.#lanes.lowWaterMarks,
      media: this.#media,
      logger,
      isClosed: () => this.#status === 'closed',
      helloSent: () => this.#handshake.sent,
      emitSignal: (signal) => this.#emitter.emit('signal', signal),
      emitDiagnostic: (diagnostic) => this.#emitter.emit('diagnostic', diagnostic),
      emitTrack: (remote) => this.#emitter.emit('track', remote),
      emitTrackEnded: (remote) => this.#emitter.emit('trackEnded', remote),
      report: (error) => this.#report(error),
      handlers: (path) => this.#peerHandlers(path),
      connected: (path) => this.#paths.refreshCandidateType(path),
      fallBack: (path) => this.#paths.fallBack(path),
    });
    this.#paths = new PathChoice({
      connections: this.#connections,
      relay: this.#relay,
      lanes: this.#lanes,
      initiator: init.initiator,
      relayAfterMs: timing.relayAfterMs,
      probes: this.#probes,
      now,
      logger,
      isOpen: () => this.#status === 'open',
      isConnecting: () => this.#status === 'connecting',
      isClosed: () => this.#status === 'closed',
      helloSent: () => this.#handshake.sent,
      sendHello: () => {
        this.#lanes.events.sendHello(this.#handshake.hello());
        this.#maybeOpen();
      },
      moved: () => this.#liveness.moved(),
      emitTransportChanged: (event) => this.#emitter.emit('transportChanged', event),
      fail: (error) => this.#close('connection-failed', error ?? new ConnectionFailedError('the connection closed before the link opened')),
    });
    this.#liveness = new Liveness({
      now,
      timing,
      hasRelay: this.#relay !== null,
      current: () => this.#paths.current,
      peer: () => this.#connections.peer,
      isOpen: () => this.#status === 'open',
      timedOut: () => this.#close('timeout', new HeartbeatTimeoutError(timing.heartbeatTimeoutMs)),
      silent: (path) => this.#paths.leave(path),
      ping: () => this.#lanes.state.ping(),
      beat: (at) => this.#lanes.beat(at),
      recheckCandidate: (path) => this.#paths.refreshCandidateType(path),
      debug: (data, message) => logger.debug(data, message),
    });
    this.#connections.start();
    this.#connectTimer = setTimeout(() => {
      if (this.#status === 'connecting') this.#close('timeout', new ConnectTimeoutError(timing.connectTimeoutMs));
    }, timing.connectTimeoutMs);
    this.#paths.armRelayTimer();
  }

  get status(): LinkStatus {
    return this.#status;
  }

  get transport(): LinkTransport | null {
    return this.#paths.transport;
  }

  get events(): EventsLaneApi<EventsOf<T>, RequestsOf<T>> {
    return this.#lanes.events;
  }

  get state(): StateLaneApi<StateOf<T>> {
    return this.#lanes.state;
  }

  get media(): LinkMediaApi {
    return this.#media;
  }

  signal(data: LinkSignal): void {
    if (this.#status !== 'closed') this.#connections.signal(data);
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
      transport: this.#paths.transport,
      pathChanges: this.#paths.pathChanges,
      relaySentBytes: this.#relay?.sentBytes ?? 0,
      candidateType: this.#paths.candidateType,
      state: this.#lanes.state,
      events: this.#lanes.events,
      rates: this.#lanes.rates,
    });
  }

  close(): void {
    this.#close('local');
  }

  #peerHandlers(path: DirectPath): PathHandlers {
    return {
      open: () => {
        this.#paths.onPeerOpen(path);
        if (!path.isDead && path.media !== null) this.#media.attach(path.media);
      },
      events: (data) => this.#lanes.receiveEvents(data, path.events!, this.#handshake.decoder),
      state: (data) => this.#probes.take(path, data) || this.#lanes.receiveState(data),
      drain: (lane) => {
        if (this.#paths.current === path) this.#lanes.drain(lane);
      },
      dead: (error) => this.#paths.onPeerDead(path, error),
    };
  }

  #relayHandlers(): Omit<PathHandlers, 'dead'> {
    return {
      open: () => this.#paths.onRelayOpen(),
      events: (data) => this.#lanes.receiveEvents(data, this.#relay!.events, this.#handshake.decoder),
      state: (data) => this.#probes.take(this.#relay!, data) || this.#lanes.receiveState(data),
      drain: (lane) => this.#lanes.drain(lane),
    };
  }

  /** The largest message this side takes on every path it may use. */
  #localMaxMessageSize(): number {
    const peer = this.#connections.peer;
    const direct = peer?.isOpen === true ? peer.remoteMaxMessageSize : DEFAULT_MAX_MESSAGE_SIZE;
    return Math.min(direct, this.#relay?.maxMessageSize ?? Infinity);
  }

  #onHello(hello: HelloFrame, channel: LaneChannel): void {
    const refused = this.#handshake.accept(hello);
    if (refused !== null) {
      if (refused.fatal) this.#close('protocol-error', refused.error);
      else this.#lanes.events.bad(refused.error);
      return;
    }
    this.#lanes.state.setRemote(this.#handshake.decoder, new RemoteClock(hello.epochMs, hello.elapsedUs));
    this.#paths.onRemoteHello(channel);
    this.#maybeOpen();
  }

  #onBadHello(cause: Error): void {
    const error = new HandshakeError('The remote hello was malformed', { cause });
    if (this.#status === 'connecting') this.#close('protocol-error', error);
    else this.#report(error);
  }

  #maybeOpen(): void {
    if (!this.#handshake.done || this.#status !== 'connecting') return;
    const maxMessageSize = this.#handshake.settleMaxMessageSize();
    this.#status = 'open';
    if (this.#connectTimer !== null) clearTimeout(this.#connectTimer);
    this.#connectTimer = null;
    const transport = this.#paths.opened();
    this.#liveness.start();
    this.#lanes.state.ping();
    this.#emitter.emit('open', { maxMessageSize, transport });
    this.#lanes.events.flush();
    this.#paths.keepTryingDirect();
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
      if (reason === 'local' && wasOpen) this.#lanes.events.sendBye('local');
      if (this.#connectTimer !== null) clearTimeout(this.#connectTimer);
      this.#connectTimer = null;
      this.#paths.stop();
      this.#liveness.stop();
      this.#conditioner.stop();
      this.#lanes.events.close(new LinkClosedError(`The link closed (${reason})`, { cause: error }));
      this.#lanes.state.close();
      this.#media.close();
      this.#connections.close(reason === 'local' && wasOpen && this.#paths.current === this.#connections.peer);
      this.#relay?.close();
    } finally {
      // Whatever went wrong in teardown, the game must hear that the link is closed.
      this.#settings.logger.debug({ reason, error }, 'link closed');
      this.#emitter.emit('close', error === undefined ? { reason } : { reason, error });
      this.#emitter.clear();
    }
  }
}
