/**
 * The link's WebRTC connections (direct paths: `PeerPath`s): making the first one, replacing a
 * dead one with a new one through the same signaling, and routing each signal to its connection.
 * One connection at a time. The initiator makes them; the other side follows the newest offer
 * and asks for a new one with a `renew` signal when it loses its own. Connections after the
 * first travel wrapped in a `rallypoint-path` signal that carries their number.
 */
import { InvalidSignalError } from '../errors.js';
import type { LinkMedia } from '../media/link-media.js';
import type { RemoteTrack } from '../media/types.js';
import type { DirectPath, DirectPathFactory, LinkDiagnostic, PathHandlers, RtcImplementation } from '../paths/types.js';
import type { LinkInit, LinkSignal, Logger } from '../types.js';
import { ConnectionAttempts } from './attempts.js';

/**
 * Seen in the browser tests: with id 1000, Firefox → Chromium state never arrived (Chromium →
 * Firefox did); with 100 it does. The likely cause is SCTP stream counts: a stream above the count
 * first negotiated needs an add-streams request, and that one does not go through. So: low enough
 * for every stack's initial count, above the ids simple-peer's one in-band channel takes (0 or 1).
 */
const DEFAULT_STATE_CHANNEL_ID = 100;
/** Signals of connections after the first travel wrapped in one of these, with the connection's id. */
const PATH_SIGNAL = 'rallypoint-path';

/**
 * Set on the offer of a connection made through TURN only: the answering side makes its own
 * TURN-only too. simple-peer ignores fields it does not know. (The lobby sets it on a link's
 * first offer when it starts the link over, see `turnFallbackMs`.)
 */
export const RELAY_ONLY_FIELD = 'rallypointRelayOnly';

/**
 * With TURN in the room, a first connection (every candidate type) not open this long after the
 * link opened on the relay gives way to one through TURN only: between two symmetric NATs,
 * libdatachannel's ICE given host, srflx and relay candidates did not converge within 40 s in the
 * network lab, while TURN-only opened in 0.3 s. The players are on the relay meanwhile: this
 * decides when they leave it, not when they can play.
 */
const TURN_ONLY_AFTER_MS = 4000;

/** Whether any of the servers is a TURN server. */
export function hasTurnServer(servers: readonly RTCIceServer[]): boolean {
  return servers.some((server) => (Array.isArray(server.urls) ? server.urls : [server.urls]).some((url) => /^turns?:/i.test(url)));
}

export interface ConnectionsDeps {
  init: LinkInit;
  /** Makes each connection (`PeerPath`s, but for tests). */
  createPath: DirectPathFactory;
  /** Null for a link that makes no direct connections (`direct: false`). */
  rtc: RtcImplementation | null;
  lowWaterMarks: { state: number; events: number };
  media: LinkMedia;
  logger: Logger;
  isClosed(): boolean;
  /** This side sent its hello: the link is open on the other side, or about to be. */
  helloSent(): boolean;
  emitSignal(signal: LinkSignal): void;
  emitDiagnostic(diagnostic: LinkDiagnostic): void;
  emitTrack(remote: RemoteTrack): void;
  emitTrackEnded(remote: RemoteTrack): void;
  report(error: Error): void;
  /** What each connection tells the link (its `open` comes after the attempt bookkeeping here). */
  handlers(path: DirectPath): PathHandlers;
  /** ICE connected (again) on `path`: its candidate pair may have changed. */
  connected(path: DirectPath): void;
  /** `path` is given up while it may carry the lanes: move them to the relay, if it is open. */
  fallBack(path: DirectPath): void;
}

export class Connections {
  /** The connection now (open or being made); null between a dead one and the next. */
  #peer: DirectPath | null = null;
  /** When the next new connection is made (initiator), and when one being made is given up. */
  readonly #attempts = new ConnectionAttempts();
  /** The next connection goes through TURN only: one with every candidate type was given up. */
  #nextTurnOnly = false;

  constructor(private readonly deps: ConnectionsDeps) {}

  get peer(): DirectPath | null {
    return this.#peer;
  }

  /** The link's first connection (none for a link with `direct: false`). */
  start(): void {
    const { init, rtc } = this.deps;
    if (rtc !== null) this.#peer = this.#create(0, init.initiator, init.iceTransportPolicy ?? 'all');
  }

  /** Signaling data from the other side: for the connection it names, or a newer one it offers. */
  signal(data: LinkSignal): void {
    if (typeof data !== 'object' || data === null || typeof data.type !== 'string') {
      this.deps.report(new InvalidSignalError('Signal data must be an object with a string `type`'));
      return;
    }
    let pathId = 0;
    let inner = data;
    if (data.type === PATH_SIGNAL) {
      const { path, data: wrapped } = data as { path?: unknown; data?: unknown };
      // Path 0 comes wrapped too once it is open (renegotiation for media): see #create.
      if (!Number.isInteger(path) || (path as number) < 0 || typeof wrapped !== 'object' || wrapped === null || typeof (wrapped as LinkSignal).type !== 'string') {
        this.deps.report(new InvalidSignalError('A path signal needs a whole `path` of at least 0 and signal `data`'));
        return;
      }
      pathId = path as number;
      inner = wrapped as LinkSignal;
    }
    if (inner.type === 'renew') return this.#onRenew(pathId);
    const { init, rtc } = this.deps;
    let path = this.#peer;
    if (path === null || path.id !== pathId) {
      // The initiator made a newer connection: follow it (the older one is dead here or there).
      if (rtc === null || init.initiator || pathId <= (path?.id ?? this.#attempts.newest) || inner.type !== 'offer') {
        this.deps.logger.debug({ path: pathId, type: inner.type }, 'signal for a connection that is gone; ignored');
        return;
      }
      const policy = (inner as { [RELAY_ONLY_FIELD]?: unknown })[RELAY_ONLY_FIELD] === true ? 'relay' : (init.iceTransportPolicy ?? 'all');
      this.#replace(this.#create(pathId, false, policy));
      this.#attempts.follow(pathId);
      path = this.#peer!;
    }
    try {
      path.signal(inner);
    } catch (cause) {
      this.deps.report(new InvalidSignalError('simple-peer refused the signal', { cause }));
    }
  }

  /** `path` died: it is no longer the connection (true if it was). */
  lost(path: DirectPath): boolean {
    if (path !== this.#peer) return false;
    this.#peer = null;
    return true;
  }

  /** Close the connection now and stop watching it. */
  drop(): void {
    const path = this.#peer;
    this.#peer = null;
    this.#attempts.unwatch();
    path?.close();
  }

  /**
   * Make a new connection after the current wait (the initiator makes them; the other side asks
   * for one with a `renew` signal). Through TURN only every other time when the room has TURN:
   * that is what opens between two symmetric NATs (see `turnFallbackMs` in the lobby).
   */
  scheduleAttempt(): void {
    const { init, rtc } = this.deps;
    if (this.deps.isClosed() || this.#attempts.waiting || this.#peer !== null || rtc === null) return;
    if (!init.initiator) {
      this.deps.emitSignal({ type: PATH_SIGNAL, path: this.#attempts.newest + 1, data: { type: 'renew' } });
      return;
    }
    this.#attempts.afterWait(() => {
      if (this.deps.isClosed() || this.#peer !== null) return;
      const id = this.#attempts.take();
      const turnOnly = hasTurnServer(init.iceServers ?? []) && (this.#nextTurnOnly || id % 2 === 0);
      this.#nextTurnOnly = false;
      const policy = init.iceTransportPolicy === 'relay' || turnOnly ? 'relay' : 'all';
      this.deps.logger.debug({ path: id, policy }, 'making a new connection');
      this.#peer = this.#create(id, true, policy);
      this.watch(this.#peer);
    });
  }

  /**
   * A connection not open PATH_ATTEMPT_TIMEOUT_MS from now is given up, and the next one tried.
   * `first`: the link's first connection, while the link is open on the relay: with TURN in the
   * room it has TURN_ONLY_AFTER_MS, and the next one goes through TURN only.
   */
  watch(path: DirectPath, first = false): void {
    const turn = first && this.deps.init.initiator && hasTurnServer(this.deps.init.iceServers ?? []) && this.deps.init.iceTransportPolicy !== 'relay';
    this.#attempts.watch(
      () => this.#peer !== path || path.isOpen,
      () => {
        this.#nextTurnOnly = turn;
        this.drop();
        this.scheduleAttempt();
      },
      turn ? TURN_ONLY_AFTER_MS : undefined,
    );
  }

  close(letGoodbyeOut: boolean): void {
    this.#attempts.close();
    this.#peer?.close(letGoodbyeOut);
  }

  #create(id: number, initiator: boolean, policy: RTCIceTransportPolicy): DirectPath {
    const { init, rtc, media } = this.deps;
    if (rtc === null) throw new Error('a link with direct: false makes no connections');
    // The link's handlers need the path, which exists only once the constructor returns.
    let handlers: PathHandlers | undefined;
    const to = (): PathHandlers => (handlers ??= this.deps.handlers(path));
    const path: DirectPath = this.deps.createPath(
      {
        id,
        initiator,
        rtc,
        iceServers: init.iceServers ?? [],
        iceTransportPolicy: policy,
        stateChannelId: init.stateChannelId ?? DEFAULT_STATE_CHANNEL_ID,
        lowWaterMarks: this.deps.lowWaterMarks,
        onSignal: (signal) => {
          if (this.deps.isClosed()) return;
          const tagged = policy === 'relay' && signal.type === 'offer' && id > 0 ? { ...signal, [RELAY_ONLY_FIELD]: true } : signal;
          // The first connection's signals go bare while the link is new: a bare offer is how the
          // lobby tells a peer starting over. Once this side has sent its hello (on the relay, say)
          // the peer's link may be open, and once the connection is open any offer renegotiates:
          // wrapped, then, so that the lobby does not take it for a new start.
          const bare = id === 0 && !path.isOpen && !this.deps.helloSent();
          this.deps.emitSignal(bare ? tagged : { type: PATH_SIGNAL, path: id, data: tagged });
        },
        onDiagnostic: (diagnostic) => this.deps.emitDiagnostic(diagnostic),
        onConnected: () => this.deps.connected(path),
        media: {
          track: (remote) => {
            if (path === this.#peer) this.deps.emitTrack(remote);
          },
          trackEnded: (remote) => this.deps.emitTrackEnded(remote),
          closed: (pathMedia) => media.detach(pathMedia),
        },
        debug: (data, message) => this.deps.logger.debug(data, message),
      },
      {
        open: () => {
          if (this.deps.isClosed()) return;
          this.#attempts.unwatch();
          this.#attempts.resetWait();
          to().open();
        },
        events: (data) => to().events(data),
        state: (data) => to().state(data),
        drain: (lane) => to().drain(lane),
        dead: (error) => to().dead(error),
      },
    );
    return path;
  }

  /** The other side lost its connection and asks the initiator for a new one. */
  #onRenew(pathId: number): void {
    if (!this.deps.init.initiator || this.deps.isClosed() || pathId <= this.#attempts.newest) return;
    const path = this.#peer;
    if (path !== null && path.isOpen) {
      this.deps.fallBack(path);
      this.drop();
    }
    this.#attempts.resetWait();
    this.scheduleAttempt();
  }

  #replace(path: DirectPath): void {
    const old = this.#peer;
    this.#peer = path;
    old?.close();
    // The initiator gave up on the connection we were still using: the relay meanwhile.
    if (old !== null) this.deps.fallBack(old);
  }
}
