/**
 * A peer link: the events lane (reliable, ordered) and the state lane (unreliable, unordered)
 * between two players, over a path (see paths.ts): a WebRTC connection through simple-peer, or,
 * when no direct path works, the lobby relay. This file owns the lifecycle: the ready handshake,
 * heartbeats, moving between paths, stats and close.
 *
 * Moving between paths: a connection that goes silent (or fails) mid-game is replaced by a new
 * one through the same signaling; with a relay, the lanes move there at once meanwhile and come
 * back when a direct connection opens again. The events lane's sequence numbers carry every event
 * across exactly once, in order (events-lane.ts); the game sees `transportChanged`, not `close`.
 */
import { ConnectionAttempts } from './attempts.js';
import { createFrameDecoder, createFrameEncoder, type DecodeLimits, type FrameDecoder } from './codec.js';
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
import { EventsLane, type EventsLaneApi, type LaneChannel } from './events-lane.js';
import { readLinkInit, type LinkSettings } from './link-options.js';
import { LinkMedia, type LinkMediaApi } from './media.js';
import { PeerPath, RelayPath } from './paths.js';
import { DEFAULT_MAX_MESSAGE_SIZE, type CandidateType, type RtcImplementation } from './rtc.js';
import { RemoteClock } from './sequence.js';
import { StateLane, type StateLaneApi } from './state-lane.js';
import { RateMeter, linkStats } from './stats.js';
import { UnheardErrors } from './unheard.js';
import {
  type CloseReason,
  type EventsOf,
  type LinkEvents,
  type LinkInit,
  type LinkSignal,
  type LinkStats,
  type LinkStatus,
  type LinkTransport,
  type LinkTypes,
  type RequestsOf,
  type StateOf,
  type TransportChangeReason,
} from './types.js';
import { FrameKind, LINK_PROTOCOL_VERSION, wrapU32, type HelloFrame } from './wire.js';

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
  return new PeerLink<T>(init);
}

const KiB = 1024;
const MiB = 1024 * KiB;
/**
 * Seen in the browser tests: with id 1000, Firefox → Chromium state never arrived (Chromium →
 * Firefox did); with 100 it does. The likely cause is SCTP stream counts: a stream above the count
 * first negotiated needs an add-streams request, and that one does not go through. So: low enough
 * for every stack's initial count, above the ids simple-peer's one in-band channel takes (0 or 1).
 */
const DEFAULT_STATE_CHANNEL_ID = 100;
/** Signals of connections after the first travel wrapped in one of these, with the connection's id. */
const PATH_SIGNAL = 'rallypoint-path';
/** How often the link checks that its path is alive. */
const PATH_CHECK_MS = 250;
/**
 * How often an open connection's candidate pair is read again. ICE can change its selected pair
 * with no connection-state change to tell (Chromium moves to a better pair once that one answers:
 * from a TURN pair whose check came back first to the direct one), and the link's candidateType
 * and transport must follow.
 */
const CANDIDATE_RECHECK_MS = 3000;

type Path = PeerPath | RelayPath;

class PeerLink<T extends LinkTypes> implements Link<T> {
  #status: LinkStatus = 'connecting';
  readonly #emitter: Emitter<LinkEvents>;
  readonly #init: LinkInit;
  /** Null for a link that makes no direct connections (`direct: false`). */
  readonly #rtc: RtcImplementation | null;
  readonly #eventsLane: EventsLane<EventsOf<T>, RequestsOf<T>>;
  readonly #stateLane: StateLane<StateOf<T>>;
  readonly #media = new LinkMedia({ report: (error) => this.#report(error) });
  readonly #conditioner: LinkConditioner;
  readonly #rates: { state: RateMeter; events: RateMeter };
  readonly #now: () => number;
  readonly #epochMs: number;
  readonly #options: LinkSettings['timing'];
  readonly #structures: readonly (readonly string[])[];
  readonly #logger;
  /** Errors reported while nobody listens for 'error'. */
  readonly #unheard: UnheardErrors;
  /** Refill each lane when its channel drains to a quarter of the high-water mark. */
  readonly #lowWaterMarks: { state: number; events: number };
  readonly #decodeLimits: DecodeLimits;
  #decoder: FrameDecoder;
  /** The connection now (open or being made); null between a dead one and the next. */
  #p2p: PeerPath | null = null;
  readonly #relay: RelayPath | null;
  /** The path the lanes send on. */
  #current: Path | null = null;
  #transport: LinkTransport | null = null;
  #pathChanges = 0;
  #helloSent = false;
  #remoteHello: HelloFrame | null = null;
  #maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
  #lastActivityMs: number;
  /** Set on every frame received; turned into a timestamp once per heartbeat tick (cheaper). */
  #heardSinceTick = false;
  /** When the current path was last heard from. */
  #pathHeardAtMs: number;
  #candidateType: CandidateType | null = null;
  #candidateCheckedMs = 0;
  #heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  #pathTimer: ReturnType<typeof setInterval> | null = null;
  #connectTimer: ReturnType<typeof setTimeout> | null = null;
  #relayTimer: ReturnType<typeof setTimeout> | null = null;
  /** When the next new connection is made (initiator), and when one being made is given up. */
  readonly #attempts = new ConnectionAttempts();

  constructor(init: LinkInit) {
    const settings = readLinkInit(init);
    this.#init = init;
    this.#rtc = settings.rtc;
    this.#now = settings.now;
    this.#epochMs = this.#now();
    this.#lastActivityMs = this.#epochMs;
    this.#pathHeardAtMs = this.#epochMs;
    this.#logger = settings.logger;
    this.#unheard = new UnheardErrors(this.#logger, this.#now);
    this.#structures = settings.structures;
    this.#decodeLimits = settings.decodeLimits;
    this.#decoder = createFrameDecoder([], this.#decodeLimits);
    this.#options = settings.timing;
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
      maxInFlightBytes: Math.max(2 * eventsHighWater, 2 * MiB),
      maxEventBytes,
      maxQueuedBytes: init.maxQueuedBytes ?? 2 * maxEventBytes,
      maxPendingRequests: init.maxPendingRequests ?? 256,
      requestTimeoutMs: init.requestTimeoutMs ?? 10_000,
      isClosed: () => this.#status === 'closed',
      onHello: (hello, channel) => this.#onHello(hello, channel),
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
      onResume: (channel) => this.#onResume(channel),
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

    this.#relay =
      init.relay === undefined
        ? null
        : new RelayPath(
            init.relay,
            {
              open: () => this.#onRelayOpen(),
              events: (data) => this.#receiveEvents(data, this.#relay!.events),
              state: (data) => this.#receiveState(data),
              drain: (lane) => this.#drain(lane),
            },
            this.#lowWaterMarks.state,
          );
    if (this.#rtc !== null) this.#p2p = this.#createPeerPath(0, init.initiator, init.iceTransportPolicy ?? 'all');
    this.#connectTimer = setTimeout(() => {
      if (this.#status === 'connecting') {
        this.#close('timeout', new ConnectTimeoutError(this.#options.connectTimeoutMs));
      }
    }, this.#options.connectTimeoutMs);
    if (this.#relay !== null) {
      this.#relayTimer = setTimeout(() => {
        this.#relayTimer = null;
        this.#maybeStartOnRelay();
      }, this.#options.relayAfterMs);
    }
  }

  get status(): LinkStatus {
    return this.#status;
  }

  get transport(): LinkTransport | null {
    return this.#transport;
  }

  get events(): EventsLaneApi<EventsOf<T>, RequestsOf<T>> {
    return this.#eventsLane;
  }

  get state(): StateLaneApi<StateOf<T>> {
    return this.#stateLane;
  }

  get media(): LinkMediaApi {
    return this.#media;
  }

  signal(data: LinkSignal): void {
    if (this.#status === 'closed') return;
    if (typeof data !== 'object' || data === null || typeof data.type !== 'string') {
      this.#report(new InvalidSignalError('Signal data must be an object with a string `type`'));
      return;
    }
    let pathId = 0;
    let inner = data;
    if (data.type === PATH_SIGNAL) {
      const { path, data: wrapped } = data as { path?: unknown; data?: unknown };
      // Path 0 comes wrapped too once it is open (renegotiation for media): see #createPeerPath.
      if (!Number.isInteger(path) || (path as number) < 0 || typeof wrapped !== 'object' || wrapped === null || typeof (wrapped as LinkSignal).type !== 'string') {
        this.#report(new InvalidSignalError('A path signal needs a whole `path` of at least 0 and signal `data`'));
        return;
      }
      pathId = path as number;
      inner = wrapped as LinkSignal;
    }
    if (inner.type === 'renew') return this.#onRenew(pathId);
    let path = this.#p2p;
    if (path === null || path.id !== pathId) {
      // The initiator made a newer connection: follow it (the older one is dead here or there).
      if (this.#rtc === null || this.#init.initiator || pathId <= (path?.id ?? this.#attempts.newest) || inner.type !== 'offer') {
        this.#logger.debug({ path: pathId, type: inner.type }, 'signal for a connection that is gone; ignored');
        return;
      }
      const policy = (inner as { [RELAY_ONLY_FIELD]?: unknown })[RELAY_ONLY_FIELD] === true ? 'relay' : (this.#init.iceTransportPolicy ?? 'all');
      this.#replacePeerPath(this.#createPeerPath(pathId, false, policy));
      this.#attempts.follow(pathId);
      path = this.#p2p!;
    }
    try {
      path.signal(inner);
    } catch (cause) {
      this.#report(new InvalidSignalError('simple-peer refused the signal', { cause }));
    }
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
      transport: this.#transport,
      pathChanges: this.#pathChanges,
      candidateType: this.#current?.kind === 'relay' ? null : this.#candidateType,
      state: this.#stateLane,
      events: this.#eventsLane,
      rates: this.#rates,
    });
  }

  close(): void {
    this.#close('local');
  }

  #createPeerPath(id: number, initiator: boolean, policy: RTCIceTransportPolicy): PeerPath {
    if (this.#rtc === null) throw new Error('a link with direct: false makes no connections');
    const path: PeerPath = new PeerPath(
      {
        id,
        initiator,
        rtc: this.#rtc,
        iceServers: this.#init.iceServers ?? [],
        iceTransportPolicy: policy,
        stateChannelId: this.#init.stateChannelId ?? DEFAULT_STATE_CHANNEL_ID,
        lowWaterMarks: this.#lowWaterMarks,
        onSignal: (signal) => {
          if (this.#status === 'closed') return;
          const tagged = policy === 'relay' && signal.type === 'offer' && id > 0 ? { ...signal, [RELAY_ONLY_FIELD]: true } : signal;
          // The first connection's signals go bare until it opens; renegotiation after that is
          // wrapped, so that its offer is not taken (by the lobby) for the peer starting over.
          this.#emitter.emit('signal', id === 0 && !path.isOpen ? tagged : { type: PATH_SIGNAL, path: id, data: tagged });
        },
        onDiagnostic: (diagnostic) => this.#emitter.emit('diagnostic', diagnostic),
        onConnected: () => this.#refreshCandidateType(path),
        media: {
          track: (remote) => {
            if (path === this.#p2p) this.#emitter.emit('track', remote);
          },
          trackEnded: (remote) => this.#emitter.emit('trackEnded', remote),
          closed: (media) => this.#media.detach(media),
        },
        debug: (data, message) => this.#logger.debug(data, message),
      },
      {
        open: () => this.#onPathOpen(path),
        events: (data) => this.#receiveEvents(data, path.events!),
        state: (data) => this.#receiveState(data),
        drain: (lane) => {
          if (this.#current === path) this.#drain(lane);
        },
        dead: (error) => this.#onPathDead(path, error),
      },
    );
    return path;
  }

  /** The first connection to open carries the hello; a later one the lanes move to (direct beats relay). */
  #onPathOpen(path: PeerPath): void {
    if (this.#status === 'closed') return;
    this.#attempts.unwatch();
    this.#attempts.resetWait();
    // A new connection has its own candidate pair: unknown until getStats says.
    this.#candidateType = null;
    this.#refreshCandidateType(path);
    if (!this.#helloSent) this.#sendHello(path);
    else if (path !== this.#current) this.#moveTo(path, 'direct-path');
    if (!path.isDead) this.#media.attach(path.media);
  }

  #onRelayOpen(): void {
    // The relay is there for when the connection fails; the link starts on it only if no
    // connection opened in `relayAfterMs` (see #maybeStartOnRelay).
    if (this.#status === 'closed') return;
    if (this.#helloSent && this.#current !== null && this.#current !== this.#relay && !this.#isAlive(this.#current)) this.#moveTo(this.#relay!, 'path-lost');
    else if (!this.#helloSent && this.#relayTimer === null) this.#maybeStartOnRelay();
  }

  /** No connection opened in `relayAfterMs` (or it failed): start on the relay, if it is there. */
  #maybeStartOnRelay(): void {
    const relay = this.#relay;
    if (relay === null || !relay.isOpen || this.#helloSent || this.#status !== 'connecting') return;
    this.#logger.debug({ afterMs: this.#options.relayAfterMs }, 'no direct connection yet: starting on the lobby relay');
    this.#sendHello(relay);
  }

  #sendHello(path: Path): void {
    this.#current = path;
    this.#eventsLane.attach(path.events!);
    this.#stateLane.attach(path.state!);
    if (path.kind === 'p2p') path.useLinkLowWaterMark();
    this.#helloSent = true;
    this.#eventsLane.sendHello([
      FrameKind.Hello,
      LINK_PROTOCOL_VERSION,
      this.#structures,
      this.#localMaxMessageSize(),
      this.#epochMs,
      wrapU32((this.#now() - this.#epochMs) * 1000),
    ]);
    this.#maybeOpen();
  }

  /** The largest message this side takes on every path it may use. */
  #localMaxMessageSize(): number {
    const direct = this.#p2p?.isOpen === true ? this.#p2p.remoteMaxMessageSize : DEFAULT_MAX_MESSAGE_SIZE;
    return Math.min(direct, this.#relay?.maxMessageSize ?? Infinity);
  }

  #onHello(hello: HelloFrame, channel: LaneChannel): void {
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
    // The peer started on the relay: no use waiting for a connection of our own first.
    if (!this.#helloSent && this.#relay !== null && channel === this.#relay.events && this.#relay.isOpen) this.#sendHello(this.#relay);
    this.#maybeOpen();
  }

  #maybeOpen(): void {
    const hello = this.#remoteHello;
    if (!this.#helloSent || hello === null || this.#status !== 'connecting') return;
    this.#maxMessageSize = Math.min(this.#localMaxMessageSize(), hello.maxMessageSize || DEFAULT_MAX_MESSAGE_SIZE);
    this.#status = 'open';
    if (this.#connectTimer !== null) clearTimeout(this.#connectTimer);
    if (this.#relayTimer !== null) clearTimeout(this.#relayTimer);
    this.#connectTimer = this.#relayTimer = null;
    this.#lastActivityMs = this.#pathHeardAtMs = this.#now();
    this.#heartbeatTimer = setInterval(() => this.#heartbeat(), this.#options.heartbeatIntervalMs);
    if (this.#relay !== null || this.#options.pathTimeoutMs > 0) this.#pathTimer = setInterval(() => this.#checkPath(), PATH_CHECK_MS);
    this.#stateLane.ping();
    this.#transport = this.#transportOf(this.#current!);
    this.#emitter.emit('open', { maxMessageSize: this.#maxMessageSize, transport: this.#transport });
    this.#eventsLane.flush();
    // Opened on the relay: keep trying for a direct connection.
    if (this.#current === this.#relay) {
      if (this.#p2p === null) this.#scheduleAttempt();
      else this.#armAttemptTimer(this.#p2p);
    }
  }

  /** The peer asked for frames again on the path of `channel`: send there from now on. */
  #onResume(channel: LaneChannel): boolean {
    const path = this.#relay?.events === channel ? this.#relay : this.#p2p?.events === channel ? this.#p2p : null;
    if (path === null || path === this.#current || !path.isOpen || !this.#helloSent) return false;
    this.#switchTo(path, path.kind === 'p2p' ? 'direct-path' : 'path-lost');
    return true;
  }

  /** Move the lanes to `path` and ask the peer to follow, from the first event that has not arrived. */
  #moveTo(path: Path, reason: TransportChangeReason): void {
    this.#switchTo(path, reason);
    this.#eventsLane.moveTo(path.events!);
  }

  #switchTo(path: Path, reason: TransportChangeReason): void {
    const previous = this.#current;
    this.#current = path;
    this.#pathChanges++;
    this.#pathHeardAtMs = this.#now();
    this.#eventsLane.attach(path.events!);
    this.#stateLane.attach(path.state!);
    if (path.kind === 'p2p') path.useLinkLowWaterMark();
    this.#logger.debug({ from: previous?.kind, to: path.kind, reason }, 'link moved to another path');
    // On the relay, the connection it left is dead (here or on the other side): make a new one.
    if (path.kind === 'relay' && previous?.kind === 'p2p' && previous === this.#p2p) {
      this.#dropPeerPath();
      this.#scheduleAttempt();
    }
    this.#setTransport(this.#transportOf(path), reason);
    this.#eventsLane.flush();
    this.#stateLane.flush();
  }

  #transportOf(path: Path): LinkTransport {
    if (path.kind === 'relay') return 'relay';
    return this.#candidateType === 'relay' ? 'turn' : 'p2p';
  }

  #setTransport(transport: LinkTransport, reason: TransportChangeReason): void {
    const previous = this.#transport;
    if (this.#status !== 'open' || previous === null || previous === transport) {
      if (this.#status === 'open') this.#transport = transport;
      return;
    }
    this.#transport = transport;
    this.#emitter.emit('transportChanged', { transport, previous, reason });
  }

  /** A connection closed or failed. Before the hello: the relay, or the link fails. After: move on. */
  #onPathDead(path: PeerPath, error?: Error): void {
    if (this.#status === 'closed' || path !== this.#p2p) return;
    this.#logger.debug({ path: path.id, error }, 'connection lost');
    this.#p2p = null;
    if (!this.#helloSent) {
      if (this.#relay !== null) {
        // The relay may still come; the connect timeout ends the wait.
        this.#maybeStartOnRelay();
        if (this.#init.initiator) this.#scheduleAttempt();
        return;
      }
      this.#close('connection-failed', error ?? new ConnectionFailedError('the connection closed before the link opened'));
      return;
    }
    this.#leave(path);
  }

  /** The current connection is gone: the relay if it is there, and a new connection either way. */
  #leave(path: PeerPath): void {
    if (path === this.#p2p) this.#dropPeerPath();
    if (this.#current === path && this.#relay?.isOpen === true) this.#moveTo(this.#relay, 'path-lost');
    this.#scheduleAttempt();
  }

  #dropPeerPath(): void {
    const path = this.#p2p;
    this.#p2p = null;
    this.#attempts.unwatch();
    path?.close();
  }

  /**
   * Make a new connection after the current wait (the initiator makes them; the other side asks
   * for one with a `renew` signal). Through TURN only every other time when the room has TURN:
   * that is what opens between two symmetric NATs (see `turnFallbackMs` in the lobby).
   */
  #scheduleAttempt(): void {
    if (this.#status === 'closed' || this.#attempts.waiting || this.#p2p !== null || this.#rtc === null) return;
    if (!this.#init.initiator) {
      this.#emitter.emit('signal', { type: PATH_SIGNAL, path: this.#attempts.newest + 1, data: { type: 'renew' } });
      return;
    }
    this.#attempts.afterWait(() => {
      if (this.#status === 'closed' || this.#p2p !== null) return;
      const id = this.#attempts.take();
      const policy = this.#init.iceTransportPolicy === 'relay' || (id % 2 === 0 && hasTurnServer(this.#init.iceServers ?? [])) ? 'relay' : 'all';
      this.#logger.debug({ path: id, policy }, 'making a new connection');
      this.#p2p = this.#createPeerPath(id, true, policy);
      this.#armAttemptTimer(this.#p2p);
    });
  }

  /** A connection not open PATH_ATTEMPT_TIMEOUT_MS from now is given up, and the next one tried. */
  #armAttemptTimer(path: PeerPath): void {
    this.#attempts.watch(
      () => this.#p2p !== path || path.isOpen,
      () => {
        this.#dropPeerPath();
        this.#scheduleAttempt();
      },
    );
  }

  /** The other side lost its connection and asks the initiator for a new one. */
  #onRenew(pathId: number): void {
    if (!this.#init.initiator || this.#status === 'closed' || pathId <= this.#attempts.newest) return;
    const path = this.#p2p;
    if (path !== null && path.isOpen) {
      if (this.#current === path && this.#relay?.isOpen === true) this.#moveTo(this.#relay, 'path-lost');
      this.#dropPeerPath();
    }
    this.#attempts.resetWait();
    this.#scheduleAttempt();
  }

  #replacePeerPath(path: PeerPath): void {
    const old = this.#p2p;
    this.#p2p = path;
    old?.close();
    // The initiator gave up on the connection we were still using: the relay meanwhile.
    if (old !== null && this.#current === old && this.#relay?.isOpen === true) this.#moveTo(this.#relay, 'path-lost');
  }

  #isAlive(path: Path): boolean {
    return path.kind === 'relay' ? path.isOpen : path === this.#p2p && path.isOpen;
  }

  /**
   * Every PATH_CHECK_MS: a current path not heard from for `pathTimeoutMs` is taken for dead
   * (its connection may not notice for many seconds). Pings while it has been quiet for half
   * of that keep a healthy path whose heartbeats were lost from looking dead.
   */
  #checkPath(): void {
    const path = this.#current;
    if (path === null || this.#status !== 'open') return;
    const now = this.#now();
    if (path.heard) {
      path.heard = false;
      this.#pathHeardAtMs = now;
      return;
    }
    const quietMs = now - this.#pathHeardAtMs;
    const limit = this.#options.pathTimeoutMs;
    if (limit === 0 || path.kind === 'relay') return;
    if (quietMs >= limit) {
      this.#logger.debug({ quietMs }, 'connection silent: leaving it');
      this.#leave(path);
    } else if (quietMs >= limit / 2) {
      this.#stateLane.ping();
    }
  }

  #receiveEvents(data: Uint8Array | string, channel: LaneChannel): void {
    this.#guard(this.#eventsLane, 'events', () => {
      if (typeof data === 'string') this.#eventsLane.receiveText(); // the link never sends text
      else this.#eventsLane.receive(data, this.#decoder, channel);
    });
  }

  #receiveState(data: unknown): void {
    this.#guard(this.#stateLane, 'state', () => {
      if (data instanceof ArrayBuffer) this.#stateLane.receive(new Uint8Array(data));
      else if (data instanceof Uint8Array) this.#stateLane.receive(data);
      else this.#stateLane.receiveText(); // the link never sends text
    });
  }

  #drain(lane: Lane): void {
    if (lane === 'events') this.#eventsLane.flush();
    else this.#stateLane.flush();
    this.#emitter.emit('drain', { lane });
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
    const p2p = this.#p2p;
    if (p2p !== null && p2p === this.#current && p2p.isOpen && now - this.#candidateCheckedMs >= CANDIDATE_RECHECK_MS) {
      this.#candidateCheckedMs = now;
      this.#refreshCandidateType(p2p);
    }
    this.#rates.state.sample(now);
    this.#rates.events.sample(now);
    this.#stateLane.ping();
    this.#eventsLane.tick();
  }

  #refreshCandidateType(path: PeerPath): void {
    path.candidateType().then(
      (type) => {
        if (type === null || path !== this.#p2p) return;
        this.#candidateType = type;
        if (this.#current === path) this.#setTransport(this.#transportOf(path), 'candidate');
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
    if (this.#status === 'closed') return;
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
      for (const timer of [this.#connectTimer, this.#relayTimer]) if (timer !== null) clearTimeout(timer);
      for (const timer of [this.#heartbeatTimer, this.#pathTimer]) if (timer !== null) clearInterval(timer);
      this.#heartbeatTimer = this.#pathTimer = this.#connectTimer = this.#relayTimer = null;
      this.#attempts.close();
      this.#conditioner.stop();
      this.#eventsLane.close(new LinkClosedError(`The link closed (${reason})`, { cause: error }));
      this.#stateLane.close();
      this.#media.close();
      this.#p2p?.close(reason === 'local' && wasOpen && this.#current === this.#p2p);
      this.#relay?.close();
    } finally {
      // Whatever went wrong in teardown, the game must hear that the link is closed.
      this.#logger.debug({ reason, error }, 'link closed');
      this.#emitter.emit('close', error === undefined ? { reason } : { reason, error });
      this.#emitter.clear();
    }
  }
}

/**
 * Set on the offer of a connection made through TURN only: the answering side makes its own
 * TURN-only too. simple-peer ignores fields it does not know. (The lobby sets it on a link's
 * first offer when it starts the link over, see `turnFallbackMs`.)
 */
export const RELAY_ONLY_FIELD = 'rallypointRelayOnly';

/** Whether any of the servers is a TURN server. */
export function hasTurnServer(servers: readonly RTCIceServer[]): boolean {
  return servers.some((server) => (Array.isArray(server.urls) ? server.urls : [server.urls]).some((url) => /^turns?:/i.test(url)));
}
