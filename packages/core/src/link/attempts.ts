/**
 * When a link makes its next direct connection, and when it gives one up: the timing half of
 * replacing a connection (the link decides whether one is wanted; this says when). Connections
 * after the first are numbered from 1; the number names the connection in its signals.
 */

/** A new connection that is not open this long after it was started is given up (and another tried). */
const PATH_ATTEMPT_TIMEOUT_MS = 10_000;
/** Waits between new connections while none opens: doubling from the first, up to the last. */
const PATH_RETRY_FIRST_MS = 1000;
const PATH_RETRY_MAX_MS = 30_000;

export class ConnectionAttempts {
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #giveUpTimer: ReturnType<typeof setTimeout> | null = null;
  #delayMs = 0;
  #newest = 0;

  /** Connections after the first so far: also the number of the newest. */
  get newest(): number {
    return this.#newest;
  }

  /** A new connection is waiting to be made. */
  get waiting(): boolean {
    return this.#retryTimer !== null;
  }

  /** The other side made connection `id` (it initiates): that is the newest now. */
  follow(id: number): void {
    this.#newest = id;
  }

  /** After the current wait (nothing the first time, then 1 s doubling to 30 s), run `then`. */
  afterWait(then: () => void): void {
    if (this.#retryTimer !== null) return;
    const delay = this.#delayMs;
    this.#delayMs = Math.min(PATH_RETRY_MAX_MS, Math.max(PATH_RETRY_FIRST_MS, delay * 2));
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      then();
    }, delay);
  }

  /** The number of a new connection this side is making now. */
  take(): number {
    return ++this.#newest;
  }

  /** In `ms`, `giveUp` on the connection being made unless `settled()` says it opened (or went). */
  watch(settled: () => boolean, giveUp: () => void, ms = PATH_ATTEMPT_TIMEOUT_MS): void {
    this.unwatch();
    this.#giveUpTimer = setTimeout(() => {
      this.#giveUpTimer = null;
      if (!settled()) giveUp();
    }, ms);
  }

  unwatch(): void {
    if (this.#giveUpTimer !== null) clearTimeout(this.#giveUpTimer);
    this.#giveUpTimer = null;
  }

  /** A connection opened, or one is asked for now: the next wait starts from nothing again. */
  resetWait(): void {
    this.#delayMs = 0;
  }

  close(): void {
    this.unwatch();
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }
}
