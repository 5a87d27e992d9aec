/**
 * Host clock estimate from timestamped round trips: the client stamps a message with its local
 * time, the host answers with that stamp, its own time and how long it held the message; each
 * answer is one sample of RTT and offset. The estimate takes the median offset of the samples with
 * the lowest RTT (queueing only ever adds delay, so fast samples are the honest ones) over a
 * sliding window, which also follows drift.
 *
 * The two clocks can start anywhere (each page's `performance.now()` starts with the page), so
 * the first samples are taken as they come, and so is any later correction too big to slew: those
 * are steps (`steps` counts them). Only small corrections are slewed at a bounded rate, so that
 * host time as drawn never jumps for jitter's sake.
 */
import { checkRanges, COUNT, NOT_NEGATIVE, POSITIVE } from './ranges.js';

/** Options of `ClockSync`: how many samples, which of them count, and how fast corrections go. */
export interface ClockSyncInit {
  /** Samples kept; a whole number, 1 or more. @default 32 */
  windowSize?: number;
  /** Of those, the fastest this share (more than 0, at most 1) decides the offset. @default 0.25 */
  bestShare?: number;
  /** Largest correction of `hostNow()` per second of local time, once synced, in ms (more than 0). @default 50 */
  maxSlewMsPerSecond?: number;
  /** A correction larger than this many ms (0 or more) is applied at once instead of slewed. @default 100 */
  maxSlewedCorrectionMs?: number;
  /** The first samples (a whole number, 0 or more), each applied at once: the estimate settles in a few round trips. @default 4 */
  directSamples?: number;
}

/** One round trip of the clock exchange. */
export interface ClockSample {
  /** The round trip, in ms. */
  rttMs: number;
  /** Host time minus local time, assuming the answer took half the round trip to come back. */
  offsetMs: number;
  /** When the answer arrived, on the local clock (ms). */
  atMs: number;
}

/** The host's clock as seen by a client: the median offset of the fastest round trips. */
export class ClockSync {
  readonly #samples: ClockSample[] = [];
  readonly #windowSize: number;
  readonly #bestShare: number;
  readonly #maxSlew: number;
  readonly #maxSlewed: number;
  readonly #directSamples: number;
  #sampleCount = 0;
  #steps = 0;
  #estimate: number | undefined;
  #applied: number | undefined;
  #appliedAt = 0;
  #rttMs: number | undefined;

  constructor(init: ClockSyncInit = {}) {
    checkRanges('ClockSync', [
      ['windowSize', init.windowSize, COUNT],
      ['bestShare', init.bestShare, { min: 0, above: true, max: 1 }],
      ['maxSlewMsPerSecond', init.maxSlewMsPerSecond, POSITIVE],
      ['maxSlewedCorrectionMs', init.maxSlewedCorrectionMs, NOT_NEGATIVE],
      ['directSamples', init.directSamples, { min: 0, whole: true }],
    ]);
    this.#windowSize = init.windowSize ?? 32;
    this.#bestShare = init.bestShare ?? 0.25;
    this.#maxSlew = init.maxSlewMsPerSecond ?? 50;
    this.#maxSlewed = init.maxSlewedCorrectionMs ?? 100;
    this.#directSamples = init.directSamples ?? 4;
  }

  /**
   * One round trip: `sentAtMs` and `receivedAtMs` are local times, `hostTimeMs` the host's clock
   * when it answered, `heldMs` how long the host kept the request before answering.
   */
  addSample(sentAtMs: number, hostTimeMs: number, heldMs: number, receivedAtMs: number): void {
    const rttMs = Math.max(0, receivedAtMs - sentAtMs - Math.max(0, heldMs));
    const offsetMs = hostTimeMs + rttMs / 2 - receivedAtMs;
    this.#samples.push({ rttMs, offsetMs, atMs: receivedAtMs });
    if (this.#samples.length > this.#windowSize) this.#samples.shift();
    const fastest = [...this.#samples].sort((a, b) => a.rttMs - b.rttMs).slice(0, Math.max(1, Math.ceil(this.#samples.length * this.#bestShare)));
    this.#estimate = median(fastest.map((s) => s.offsetMs));
    this.#rttMs = median(fastest.map((s) => s.rttMs));
    this.#sampleCount++;
    if (this.#applied === undefined || this.#sampleCount <= this.#directSamples || Math.abs(this.#estimate - this.#applied) > this.#maxSlewed) {
      if (this.#applied !== this.#estimate) this.#steps++;
      this.#applied = this.#estimate;
      this.#appliedAt = receivedAtMs;
    }
  }

  /** How many times `hostNow()` was set at once rather than slewed (the first sample included). */
  get steps(): number {
    return this.#steps;
  }

  get synced(): boolean {
    return this.#estimate !== undefined;
  }

  /** Host clock minus local clock, as `hostNow` uses it now. */
  offsetMs(localNowMs: number): number {
    if (this.#applied === undefined || this.#estimate === undefined) return 0;
    const elapsedS = Math.max(0, localNowMs - this.#appliedAt) / 1000;
    const step = Math.min(Math.abs(this.#estimate - this.#applied), this.#maxSlew * elapsedS);
    this.#applied += Math.sign(this.#estimate - this.#applied) * step;
    this.#appliedAt = localNowMs;
    return this.#applied;
  }

  /** The host's clock now, estimated. */
  hostNow(localNowMs: number): number {
    return localNowMs + this.offsetMs(localNowMs);
  }

  /** Round-trip time of the fastest samples. */
  get rttMs(): number | undefined {
    return this.#rttMs;
  }

  get samples(): readonly ClockSample[] {
    return this.#samples;
  }
}

/**
 * The middle value; of an even count, the lower middle one. Not the mean of the two: when the
 * host clock changed (a restart, a new host), half old and half new samples must give one of the
 * two offsets, not a point halfway that neither clock was ever at.
 */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[(sorted.length - 1) >> 1] as number;
}
