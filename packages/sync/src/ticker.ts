/**
 * A fixed-step simulation clock: `advance(now)` runs as many whole ticks as real time owes (at most
 * `maxCatchUpTicks`; the rest is dropped and counted, so a tab that slept does not spin), and
 * returns the render alpha: how far real time is between the last tick and the next.
 */
import { checkRanges, COUNT, POSITIVE } from './ranges.js';

/** Options of `Ticker`: the rate, what runs each tick, and how much catching up one call may do. */
export interface TickerInit {
  /** Simulation steps per second (more than 0). */
  tickRateHz: number;
  /** Called once per step with the tick number and the fixed step length. */
  onTick: (tick: number, dtMs: number) => void;
  /** Most ticks one `advance` may run; a whole number, 1 or more. @default 5 */
  maxCatchUpTicks?: number;
}

/** What one `Ticker.advance()` did. */
export interface TickerAdvance {
  /** Ticks run by this call. */
  ticks: number;
  /** 0..1: where `now` falls between the last tick and the next, for rendering between states. */
  alpha: number;
}

/** A fixed-step accumulator: ticks at a steady rate from any frame rate, with a render alpha and capped catch-up. */
export class Ticker {
  readonly dtMs: number;
  #tick = 0;
  #lastMs: number | undefined;
  #accumulatorMs = 0;
  #droppedTicks = 0;
  readonly #maxCatchUp: number;

  constructor(private readonly init: TickerInit) {
    checkRanges('Ticker', [
      ['tickRateHz', init.tickRateHz, POSITIVE],
      ['maxCatchUpTicks', init.maxCatchUpTicks, COUNT],
    ]);
    this.dtMs = 1000 / init.tickRateHz;
    this.#maxCatchUp = init.maxCatchUpTicks ?? 5;
  }

  /** The number of the next tick to run (ticks run so far). */
  get tick(): number {
    return this.#tick;
  }

  /** Ticks skipped because real time ran ahead by more than the catch-up cap. */
  get droppedTicks(): number {
    return this.#droppedTicks;
  }

  advance(nowMs: number): TickerAdvance {
    if (this.#lastMs === undefined) this.#lastMs = nowMs;
    this.#accumulatorMs += Math.max(0, nowMs - this.#lastMs);
    this.#lastMs = nowMs;
    let ticks = 0;
    while (this.#accumulatorMs >= this.dtMs) {
      if (ticks === this.#maxCatchUp) {
        const owed = Math.floor(this.#accumulatorMs / this.dtMs);
        this.#droppedTicks += owed;
        this.#accumulatorMs -= owed * this.dtMs;
        break;
      }
      this.init.onTick(this.#tick++, this.dtMs);
      this.#accumulatorMs -= this.dtMs;
      ticks++;
    }
    return { ticks, alpha: this.#accumulatorMs / this.dtMs };
  }
}

/** What drives a ticker: `requestAnimationFrame` in a page, a timer for a headless host. */
export interface FrameSource {
  request(callback: (nowMs: number) => void): unknown;
  cancel(handle: unknown): void;
  now(): number;
}

/** Animation frames (browser), or a timer every `fallbackIntervalMs` where there are none (Node). */
export function defaultFrameSource(fallbackIntervalMs = 1000 / 60): FrameSource {
  const g = globalThis as { requestAnimationFrame?: (cb: (t: number) => void) => number; cancelAnimationFrame?: (h: number) => void };
  if (typeof g.requestAnimationFrame === 'function' && typeof g.cancelAnimationFrame === 'function') {
    const raf = g.requestAnimationFrame.bind(globalThis);
    const caf = g.cancelAnimationFrame.bind(globalThis);
    return { request: (cb) => raf(cb), cancel: (h) => caf(h as number), now: () => performance.now() };
  }
  return {
    request: (cb) => setTimeout(() => cb(performance.now()), fallbackIntervalMs),
    cancel: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    now: () => performance.now(),
  };
}

/** Run `ticker` (and `onFrame` with the alpha) from a frame source until the returned stop is called. */
export function runTicker(ticker: Ticker, onFrame: (frame: TickerAdvance) => void = () => undefined, source: FrameSource = defaultFrameSource()): () => void {
  let handle: unknown;
  let running = true;
  const frame = (nowMs: number) => {
    if (!running) return;
    onFrame(ticker.advance(nowMs));
    handle = source.request(frame);
  };
  ticker.advance(source.now());
  handle = source.request(frame);
  return () => {
    running = false;
    source.cancel(handle);
  };
}
