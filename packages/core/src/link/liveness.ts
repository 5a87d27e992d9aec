/**
 * Whether the peer, and the path to it, are still there. Once the link is open: a heartbeat each
 * `heartbeatIntervalMs` (a state-lane ping that measures RTT, the events lane's acknowledgements,
 * the rates), the link closes after `heartbeatTimeoutMs` without a word from the peer on any
 * path, and every PATH_CHECK_MS the current connection is checked for silence: one not heard
 * from for `pathTimeoutMs` is taken for dead (its connection may not notice for many seconds).
 */
import type { DirectPath, Path } from '../paths/types.js';
import type { LinkSettings } from './options.js';

/** How often the link checks that its path is alive. */
const PATH_CHECK_MS = 250;
/**
 * How often an open connection's candidate pair is read again. ICE can change its selected pair
 * with no connection-state change to tell (Chromium moves to a better pair once that one answers:
 * from a TURN pair whose check came back first to the direct one), and the link's candidateType
 * and transport must follow.
 */
const CANDIDATE_RECHECK_MS = 3000;

export interface LivenessDeps {
  now: () => number;
  timing: LinkSettings['timing'];
  hasRelay: boolean;
  /** The path the lanes are on, and the current connection (which may be another). */
  current(): Path | null;
  peer(): DirectPath | null;
  isOpen(): boolean;
  /** Nothing from the peer for `heartbeatTimeoutMs`. */
  timedOut(): void;
  /** The current connection went silent for `pathTimeoutMs`. */
  silent(path: DirectPath): void;
  /** Ping on the state lane (keeps a quiet path's silence from looking like death). */
  ping(): void;
  /** Each heartbeat: rates, a ping, acknowledgements. */
  beat(now: number): void;
  recheckCandidate(path: DirectPath): void;
  debug(data: Record<string, unknown>, message: string): void;
}

export class Liveness {
  #lastActivityMs: number;
  /** Set on every frame received; turned into a timestamp once per heartbeat tick (cheaper). */
  #heardSinceTick = false;
  /** When the current path was last heard from. */
  #pathHeardAtMs: number;
  #candidateCheckedMs = 0;
  #heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  #pathTimer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly deps: LivenessDeps) {
    this.#lastActivityMs = this.#pathHeardAtMs = deps.now();
  }

  /** A frame arrived from the peer, on any path. */
  heard(): void {
    this.#heardSinceTick = true;
  }

  /** The lanes moved: the new path counts as heard from now. */
  moved(): void {
    this.#pathHeardAtMs = this.deps.now();
  }

  /** The link opened: start the heartbeat and the path checks. */
  start(): void {
    const { timing, hasRelay } = this.deps;
    this.#lastActivityMs = this.#pathHeardAtMs = this.deps.now();
    this.#heartbeatTimer = setInterval(() => this.#heartbeat(), timing.heartbeatIntervalMs);
    if (hasRelay || timing.pathTimeoutMs > 0) this.#pathTimer = setInterval(() => this.#checkPath(), PATH_CHECK_MS);
  }

  stop(): void {
    for (const timer of [this.#heartbeatTimer, this.#pathTimer]) if (timer !== null) clearInterval(timer);
    this.#heartbeatTimer = this.#pathTimer = null;
  }

  #heartbeat(): void {
    const now = this.deps.now();
    if (this.#heardSinceTick) {
      this.#heardSinceTick = false;
      this.#lastActivityMs = now;
    }
    if (now - this.#lastActivityMs > this.deps.timing.heartbeatTimeoutMs) return this.deps.timedOut();
    const peer = this.deps.peer();
    if (peer !== null && peer === this.deps.current() && peer.isOpen && now - this.#candidateCheckedMs >= CANDIDATE_RECHECK_MS) {
      this.#candidateCheckedMs = now;
      this.deps.recheckCandidate(peer);
    }
    this.deps.beat(now);
  }

  /**
   * A current path not heard from for `pathTimeoutMs` is taken for dead. Pings while it has been
   * quiet for half of that keep a healthy path whose heartbeats were lost from looking dead.
   */
  #checkPath(): void {
    const path = this.deps.current();
    if (path === null || !this.deps.isOpen()) return;
    const now = this.deps.now();
    if (path.heard) {
      path.heard = false;
      this.#pathHeardAtMs = now;
      return;
    }
    const quietMs = now - this.#pathHeardAtMs;
    const limit = this.deps.timing.pathTimeoutMs;
    if (limit === 0 || path.kind === 'relay') return;
    if (quietMs >= limit) {
      this.deps.debug({ quietMs }, 'connection silent: leaving it');
      this.deps.silent(path as DirectPath);
    } else if (quietMs >= limit / 2) {
      this.deps.ping();
    }
  }
}
