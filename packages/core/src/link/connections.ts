/**
 * The link's WebRTC connections (direct paths: `PeerPath`s): making the first one, replacing a
 * dead one with a new one through the same signaling, racing a stuck one with a second one
 * (races.ts), and routing each signal to its connection (signals.ts). The initiator makes them;
 * the other side follows the newest offer and asks for a new one with a `renew` signal when it
 * loses its own.
 */
import { InvalidSignalError } from '../errors.js';
import type { LinkMedia } from '../media/link-media.js';
import type { RemoteTrack } from '../media/types.js';
import type { DirectPath, DirectPathFactory, LinkDiagnostic, PathHandlers, RtcImplementation } from '../paths/types.js';
import type { LinkInit, LinkSignal, Logger } from '../types.js';
import { ConnectionAttempts } from './attempts.js';
import { DTLS_RACE_AFTER_MS, RaceClock, TURN_ONLY_AFTER_MS, TURN_RACE_AFTER_ICE_MS, type Evidence, type RaceKind } from './races.js';
import { CHOSEN, hasTurnServer, isRaceOffer, isRelayOnlyOffer, pathSignal, tagOffer, unwrapSignal } from './signals.js';

/**
 * Seen in the browser tests: with id 1000, Firefox → Chromium state never arrived (Chromium →
 * Firefox did); with 100 it does. The likely cause is SCTP stream counts: a stream above the count
 * first negotiated needs an add-streams request, and that one does not go through. So: low enough
 * for every stack's initial count, above the ids the in-band events channel takes (0 or 1).
 */
const DEFAULT_STATE_CHANNEL_ID = 100;
/** What Connections keeps of each connection it made. */
interface Made extends Evidence {
  /** Tell the link that the connection opened (held, on the answering side, until a race is settled). */
  announceOpen(): void;
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
  /** A second connection racing #peer (see the top of this file); null when there is no race. */
  #racer: DirectPath | null = null;
  /** Starts a race when its evidence still holds (initiator). */
  readonly #raceClock = new RaceClock();
  readonly #made = new WeakMap<DirectPath, Made>();
  /** When the next new connection is made (initiator), and when one being made is given up. */
  readonly #attempts = new ConnectionAttempts();

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
    const unwrapped = unwrapSignal(data);
    if (unwrapped instanceof Error) return this.deps.report(unwrapped);
    const { pathId, inner } = unwrapped;
    if (inner.type === 'renew') return this.#onRenew(pathId);
    if (inner.type === CHOSEN) return this.#onChosen(pathId);
    let path = this.#byId(pathId);
    if (path === null) {
      path = this.#follow(pathId, inner);
      if (path === null) return;
    }
    try {
      path.signal(inner);
    } catch (cause) {
      this.deps.report(new InvalidSignalError('the connection refused the signal', { cause }));
      return;
    }
    if (inner.type === 'answer') this.#iceUnderWay(path, 'answered');
  }

  /** `path` died: it is no longer the connection (true if it was). */
  lost(path: DirectPath): boolean {
    if (path !== this.#peer) return false;
    this.#peer = null;
    return true;
  }

  /** Close the connection (and one racing it) now and stop watching it. */
  drop(): void {
    const path = this.#peer;
    const racer = this.#racer;
    this.#peer = this.#racer = null;
    this.#attempts.unwatch();
    this.#raceClock.stop();
    path?.close();
    racer?.close();
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
      this.deps.emitSignal(pathSignal(this.#attempts.newest + 1, { type: 'renew' }));
      return;
    }
    this.#attempts.afterWait(() => {
      if (this.deps.isClosed() || this.#peer !== null) return;
      const id = this.#attempts.take();
      const turnOnly = hasTurnServer(init.iceServers ?? []) && id % 2 === 0;
      const policy = init.iceTransportPolicy === 'relay' || turnOnly ? 'relay' : 'all';
      this.deps.logger.debug({ path: id, policy }, 'making a new connection');
      this.#peer = this.#create(id, true, policy);
      this.watch(this.#peer);
    });
  }

  /**
   * A connection not open PATH_ATTEMPT_TIMEOUT_MS from now is given up, and the next one tried.
   * `first`: the link's first connection, while the link is open on the relay: with TURN in the
   * room it is raced by one through TURN only after TURN_ONLY_AFTER_MS at the latest.
   */
  watch(path: DirectPath, first = false): void {
    if (first && this.#turnRaces(path)) this.#armRace(path, 'turn', TURN_ONLY_AFTER_MS);
    this.#attempts.watch(
      () => this.#peer !== path || path.isOpen,
      () => {
        this.drop();
        this.scheduleAttempt();
      },
    );
  }

  close(letGoodbyeOut: boolean): void {
    this.#attempts.close();
    this.#raceClock.stop();
    this.#peer?.close(letGoodbyeOut);
    this.#racer?.close();
  }

  #byId(id: number): DirectPath | null {
    if (this.#peer?.id === id) return this.#peer;
    return this.#racer?.id === id ? this.#racer : null;
  }

  /**
   * A signal for a connection this side does not have: an offer of a newer one (the answering
   * side follows it, racing the current one if the offer says so) or something stale.
   */
  #follow(pathId: number, inner: LinkSignal): DirectPath | null {
    const { init, rtc } = this.deps;
    const newestHere = this.#peer === null ? this.#attempts.newest : Math.max(this.#peer.id, this.#racer?.id ?? 0);
    if (rtc === null || init.initiator || pathId <= newestHere || inner.type !== 'offer') {
      this.deps.logger.debug({ path: pathId, type: inner.type }, 'signal for a connection that is gone; ignored');
      return null;
    }
    this.#attempts.follow(pathId);
    const race = isRaceOffer(inner) && this.#peer !== null && this.#racer === null;
    // Once our connection has told the link it opened, the lanes may be on it: no race then (the
    // initiator's end of it opens in a moment, and the initiator keeps it).
    if (race && this.#peer!.isOpen) {
      this.deps.logger.debug({ path: pathId }, 'race offered for a connection open here; kept it');
      return null;
    }
    const path = this.#create(pathId, false, isRelayOnlyOffer(inner) ? 'relay' : (init.iceTransportPolicy ?? 'all'));
    if (race) this.#racer = path;
    else this.#replace(path);
    return path;
  }

  #create(id: number, initiator: boolean, policy: RTCIceTransportPolicy, race = false): DirectPath {
    const { init, rtc, media } = this.deps;
    if (rtc === null) throw new Error('a link with direct: false makes no connections');
    // The link's handlers need the path, which exists only once the constructor returns.
    let handlers: PathHandlers | undefined;
    const to = (): PathHandlers => (handlers ??= this.deps.handlers(path));
    const made: Made = {
      policy,
      connected: false,
      gathered: false,
      answered: false,
      announceOpen: () => {
        this.#raceClock.stop();
        this.#attempts.unwatch();
        this.#attempts.resetWait();
        to().open();
      },
    };
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
          const tagged = id > 0 ? tagOffer(signal, policy === 'relay', race) : signal;
          // The first connection's signals go bare while the link is new: a bare offer is how the
          // lobby tells a peer starting over. Once this side has sent its hello (on the relay, say)
          // the peer's link may be open, and once the connection is open any offer renegotiates:
          // wrapped, then, so that the lobby does not take it for a new start.
          const bare = id === 0 && !path.isOpen && !this.deps.helloSent();
          this.deps.emitSignal(bare ? tagged : pathSignal(id, tagged));
        },
        onDiagnostic: (diagnostic) => {
          if (diagnostic.kind === 'ice-gathering-state' && diagnostic.state === 'complete') this.#iceUnderWay(path, 'gathered');
          this.deps.emitDiagnostic(diagnostic);
        },
        onConnected: () => {
          made.connected = true;
          if (rtc.racesDtls === true && !path.isOpen) this.#armRace(path, 'dtls', DTLS_RACE_AFTER_MS);
          this.deps.connected(path);
        },
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
          if (this.#isRacing(path)) {
            // The answering side holds it until the initiator says which connection stays.
            if (!this.deps.init.initiator) return;
            this.#settle(path);
          }
          made.announceOpen();
        },
        events: (data) => to().events(data),
        state: (data) => to().state(data),
        drain: (lane) => to().drain(lane),
        dead: (error) => {
          // One of two racing connections failed: the race is the other one's.
          if (this.#isRacing(path)) this.#settle(path === this.#peer ? this.#racer! : this.#peer!);
          else to().dead(error);
        },
      },
    );
    this.#made.set(path, made);
    return path;
  }

  #isRacing(path: DirectPath): boolean {
    return this.#racer !== null && (path === this.#peer || path === this.#racer);
  }

  /** One more of what ICE needs is there; with all of it, a TURN race is armed (initiator, TURN in the room). */
  #iceUnderWay(path: DirectPath, what: 'gathered' | 'answered'): void {
    const made = this.#made.get(path);
    if (made === undefined) return;
    made[what] = true;
    if (made.gathered && made.answered && this.#turnRaces(path)) this.#armRace(path, 'turn', TURN_RACE_AFTER_ICE_MS);
  }

  /** Whether `path` gets a TURN-only race when it does not connect: the initiator's, with every candidate type, TURN in the room. */
  #turnRaces(path: DirectPath): boolean {
    const { init } = this.deps;
    return init.initiator && this.#made.get(path)?.policy === 'all' && hasTurnServer(init.iceServers ?? []);
  }

  /**
   * Race `path` in `afterMs` if it is then still the connection, not open, and alone: with one of
   * the same policy (`dtls`: its ICE connected) or through TURN only (`turn`: it never connected).
   */
  #armRace(path: DirectPath, kind: RaceKind, afterMs: number): void {
    const made = this.#made.get(path);
    if (!this.deps.init.initiator || path !== this.#peer || this.#racer !== null || made === undefined) return;
    this.#raceClock.arm(kind, afterMs, made, () => {
      if (this.deps.isClosed() || path !== this.#peer || path.isOpen || path.isDead || this.#racer !== null) return;
      const policy = kind === 'turn' ? 'relay' : made.policy;
      const id = this.#attempts.take();
      this.deps.logger.debug({ path: id, racing: path.id, kind, policy }, 'racing the connection with a new one');
      this.#racer = this.#create(id, true, policy, true);
    });
  }

  /** A race is over: `winner` is the connection now, and the other one is closed. */
  #settle(winner: DirectPath): void {
    const loser = winner === this.#peer ? this.#racer : this.#peer;
    this.#peer = winner;
    this.#racer = null;
    loser?.close();
    this.deps.logger.debug({ path: winner.id, closed: loser?.id }, 'race settled');
    if (this.deps.init.initiator) {
      this.deps.emitSignal(pathSignal(winner.id, { type: CHOSEN }));
      if (!winner.isOpen) this.watch(winner);
    } else if (winner.isOpen) {
      this.#made.get(winner)?.announceOpen();
    }
  }

  /** The initiator kept connection `pathId` of a race. */
  #onChosen(pathId: number): void {
    if (this.deps.init.initiator || this.#racer === null) return;
    const winner = this.#byId(pathId);
    if (winner !== null) this.#settle(winner);
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
    const racer = this.#racer;
    this.#peer = path;
    this.#racer = null;
    old?.close();
    racer?.close();
    // The initiator gave up on the connection we were still using: the relay meanwhile.
    if (old !== null) this.deps.fallBack(old);
  }
}
