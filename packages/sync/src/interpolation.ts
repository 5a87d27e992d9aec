/**
 * Snapshot interpolation: remote entities are drawn a little in the past, between two snapshots
 * that have both arrived, so they move smoothly however snapshots are spaced, late or lost.
 *
 * The delay adapts to what arrives: each frame measures how old the newest snapshot is, and the
 * target delay is the smallest at which all but `extrapolationShare` (1%) of the last 5 s of
 * frames had a newer snapshot to blend towards (a measured percentile, where a model would take
 * the send interval plus 2.33 σ of jitter). Drawing moves to a new target by playing a little
 * faster or slower (at most 5% faster, 10% slower; not at all within a 2 ms dead band), never by
 * a jump, so it grows when the network gets worse and shrinks again when it calms. When
 * snapshots stop coming, entities are extrapolated for at most `maxExtrapolationMs`, then held.
 */
import { checkRanges, NOT_NEGATIVE, POSITIVE, SHARE } from './ranges.js';

/** How a field blends between two snapshots: straight, the short way round a circle, not at all, or the game's own rule. */
export type FieldInterpolator<V> = 'linear' | 'angle' | 'step' | ((from: V, to: V, t: number) => V);

/** Options of a `SnapshotInterpolator`. */
export interface InterpolatorInit<E extends object> {
  /** How each field blends. @default numbers 'linear', everything else 'step' */
  fields?: { [K in keyof E]?: FieldInterpolator<E[K]> };
  /** A full turn for 'angle' fields (more than 0: 360 for degrees). @default 2π (radians) */
  fullTurn?: number;
  /** Never draw closer to the newest snapshot than this, in ms (0 or more). @default 30 */
  minDelayMs?: number;
  /** Longest extrapolation past the newest snapshot when starved, in ms (0 or more). @default 100 */
  maxExtrapolationMs?: number;
  /** Snapshots kept; a whole number, 2 or more. @default 64 */
  bufferSize?: number;
  /**
   * Share of frames that may find no newer snapshot to blend towards (they extrapolate, briefly):
   * the target delay is the smallest that keeps to it, measured over the last 5 s of frames.
   * Lower is smoother, higher is closer to now. 0 to 1. @default 0.01
   */
  extrapolationShare?: number;
}

/** Frames of snapshot ages the delay is chosen from: 5 s at 60 frames a second. */
const AGE_WINDOW = 300;
/** Ages measured before they decide the delay (until then: lag + interval + 2 × jitter). */
const MIN_AGES = 30;
/** Frames between two choices of the delay (a sort of AGE_WINDOW numbers). */
const DELAY_EVERY = 15;
/**
 * Fastest and slowest playback while the delay moves to its target: 5% faster to shrink it, 10%
 * slower to grow it (a late snapshot is a frame extrapolated; slowing is the less visible).
 */
const SPEED_UP = 0.05;
const SLOW_DOWN = 0.1;
/** How far from the target the playback is at full speed-up or slow-down (proportionally less nearer). */
const CATCH_UP_RAMP_MS = 50;
/** Off the target by less than this: play at normal speed. */
const DEAD_BAND_MS = 2;
/** Off by more than this (a stall, a clock step): go to the target at once. */
const SNAP_MS = 300;

interface Snapshot<Id, E> {
  hostTimeMs: number;
  entities: ReadonlyMap<Id, E>;
}

/** Draws entities a little in the past, blending between the snapshots around that time. */
export class SnapshotInterpolator<E extends object, Id = number> {
  readonly #buffer: Snapshot<Id, E>[] = [];
  readonly #fields: InterpolatorInit<E>['fields'];
  readonly #fullTurn: number;
  readonly #minDelayMs: number;
  readonly #maxExtrapolationMs: number;
  readonly #bufferSize: number;
  #lagMs: number | undefined;
  #intervalMs: number | undefined;
  #jitterMs = 0;
  #extrapolatedMs = 0;
  readonly #extrapolationShare: number;
  /** How old the newest snapshot was at each recent frame (host ms), a ring. */
  readonly #ages = new Float64Array(AGE_WINDOW);
  #agesSeen = 0;
  #framesSinceDelay = 0;
  /** The delay the ages call for, once there are enough of them. */
  #ageDelayMs: number | undefined;
  /** The host time drawn at the last frame, and the host clock then: playback's own clock. */
  #renderMs: number | undefined;
  #lastHostNowMs = 0;
  /** Whether each recent `sample` extrapolated, a ring over the same window as the ages. */
  readonly #extrapolatedFrames = new Uint8Array(AGE_WINDOW);
  #samples = 0;
  #extrapolatedCount = 0;

  constructor(init: InterpolatorInit<E> = {}) {
    checkRanges('SnapshotInterpolator', [
      ['fullTurn', init.fullTurn, POSITIVE],
      ['minDelayMs', init.minDelayMs, NOT_NEGATIVE],
      ['maxExtrapolationMs', init.maxExtrapolationMs, NOT_NEGATIVE],
      ['bufferSize', init.bufferSize, { min: 2, whole: true }],
      ['extrapolationShare', init.extrapolationShare, SHARE],
    ]);
    this.#fields = init.fields;
    this.#fullTurn = init.fullTurn ?? Math.PI * 2;
    this.#minDelayMs = init.minDelayMs ?? 30;
    this.#maxExtrapolationMs = init.maxExtrapolationMs ?? 100;
    this.#bufferSize = init.bufferSize ?? 64;
    this.#extrapolationShare = init.extrapolationShare ?? 0.01;
  }

  /**
   * A snapshot taken at `hostTimeMs`, arriving when the host clock (as estimated here) reads
   * `arrivedHostTimeMs` (undefined while that clock is not known yet: the snapshot is kept, its
   * lag is not measured). Older-than-newest snapshots still fill gaps; duplicates are ignored.
   */
  push(hostTimeMs: number, entities: ReadonlyMap<Id, E>, arrivedHostTimeMs: number | undefined): void {
    const newest = this.#buffer.at(-1);
    if (this.#buffer.some((s) => s.hostTimeMs === hostTimeMs)) return;
    if (arrivedHostTimeMs !== undefined) this.#measureLag(arrivedHostTimeMs - hostTimeMs);
    if (newest !== undefined && hostTimeMs > newest.hostTimeMs) {
      const interval = hostTimeMs - newest.hostTimeMs;
      this.#intervalMs = this.#intervalMs === undefined ? interval : this.#intervalMs + (interval - this.#intervalMs) / 16;
    }
    const index = this.#buffer.findIndex((s) => s.hostTimeMs > hostTimeMs);
    this.#buffer.splice(index === -1 ? this.#buffer.length : index, 0, { hostTimeMs, entities });
    if (this.#buffer.length > this.#bufferSize) this.#buffer.shift();
  }

  /**
   * Forget the arrival lag measured so far: the host clock estimate it was measured with moved
   * by a step (see `ClockSync.steps`), so the old lag says nothing about the new one.
   */
  resetLag(): void {
    this.#lagMs = undefined;
    this.#jitterMs = 0;
    this.#agesSeen = 0;
    this.#ageDelayMs = undefined;
    this.#renderMs = undefined;
  }

  /**
   * The host time to draw at when the host clock reads `hostNowMs`: about that minus
   * `targetDelayMs`, moving towards it smoothly (see the top of this file). Call once per frame:
   * each call also measures how old the newest snapshot is, which is what the delay is chosen from.
   */
  renderTimeFor(hostNowMs: number): number {
    const newest = this.#buffer.at(-1);
    if (newest !== undefined) {
      this.#ages[this.#agesSeen % AGE_WINDOW] = hostNowMs - newest.hostTimeMs;
      this.#agesSeen++;
      if (this.#agesSeen >= MIN_AGES && ++this.#framesSinceDelay >= DELAY_EVERY) {
        this.#framesSinceDelay = 0;
        const ages = this.#ages.slice(0, Math.min(this.#agesSeen, AGE_WINDOW)).sort();
        // One age above the share's own index: what is measured is the past, and the network moves.
        this.#ageDelayMs = ages[Math.min(ages.length - 1, Math.floor(ages.length * (1 - this.#extrapolationShare)) + 1)] as number;
      }
    }
    const target = hostNowMs - this.targetDelayMs;
    const elapsed = Math.max(0, hostNowMs - this.#lastHostNowMs);
    this.#lastHostNowMs = hostNowMs;
    if (this.#renderMs === undefined) return (this.#renderMs = target);
    // Played at normal speed, how far behind the target this frame would draw (> 0: too far back).
    const behind = target - (this.#renderMs + elapsed);
    if (Math.abs(behind) > SNAP_MS) return (this.#renderMs = target);
    const ramp = Math.max(-1, Math.min(1, behind / CATCH_UP_RAMP_MS));
    const speed = Math.abs(behind) <= DEAD_BAND_MS ? 1 : 1 + ramp * (ramp > 0 ? SPEED_UP : SLOW_DOWN);
    // Never closer to now than minDelayMs, never backwards.
    this.#renderMs = Math.max(this.#renderMs, Math.min(this.#renderMs + elapsed * speed, hostNowMs - this.#minDelayMs));
    return this.#renderMs;
  }

  #measureLag(lag: number): void {
    if (this.#lagMs === undefined) this.#lagMs = lag;
    else {
      this.#jitterMs += (Math.abs(lag - this.#lagMs) - this.#jitterMs) / 16;
      this.#lagMs += (lag - this.#lagMs) / 16;
    }
  }

  /**
   * How far behind the host clock entities were drawn at the last frame (`targetDelayMs` before
   * the first): on its way to the target, never jumping.
   */
  get delayMs(): number {
    return this.#renderMs === undefined ? this.targetDelayMs : this.#lastHostNowMs - this.#renderMs;
  }

  /**
   * The delay drawing moves towards: the smallest at which all but `extrapolationShare` of recent
   * frames had a newer snapshot to blend towards; until enough frames have been seen, arrival lag
   * + one interval + 2 × jitter.
   */
  get targetDelayMs(): number {
    if (this.#ageDelayMs !== undefined) return Math.max(this.#minDelayMs, this.#ageDelayMs);
    if (this.#lagMs === undefined) return this.#minDelayMs;
    return Math.max(this.#minDelayMs, this.#lagMs + (this.#intervalMs ?? 0) + 2 * this.#jitterMs);
  }

  /** How far the last `sample` extrapolated past the newest snapshot (0 when it interpolated). */
  get extrapolatedMs(): number {
    return this.#extrapolatedMs;
  }

  /** Share of the last 5 s of samples (300) that extrapolated, in percent: what the delay keeps near `extrapolationShare`. */
  get extrapolatedPct(): number {
    const frames = Math.min(this.#samples, AGE_WINDOW);
    return frames === 0 ? 0 : (100 * this.#extrapolatedCount) / frames;
  }

  /** Entities as of host time `renderHostTimeMs`. An entity exists at t if the snapshot at or before t has it. */
  sample(renderHostTimeMs: number): Map<Id, E> {
    const out = this.#sample(renderHostTimeMs);
    if (this.#buffer.length > 0) {
      const slot = this.#samples % AGE_WINDOW;
      const extrapolated = this.#extrapolatedMs > 0 ? 1 : 0;
      if (this.#samples >= AGE_WINDOW) this.#extrapolatedCount -= this.#extrapolatedFrames[slot]!;
      this.#extrapolatedFrames[slot] = extrapolated;
      this.#extrapolatedCount += extrapolated;
      this.#samples++;
    }
    return out;
  }

  #sample(renderHostTimeMs: number): Map<Id, E> {
    const out = new Map<Id, E>();
    this.#extrapolatedMs = 0;
    const buffer = this.#buffer;
    if (buffer.length === 0) return out;
    let i = buffer.length - 1;
    while (i > 0 && (buffer[i] as Snapshot<Id, E>).hostTimeMs > renderHostTimeMs) i--;
    const a = buffer[i] as Snapshot<Id, E>;
    const b = buffer[i + 1];
    if (renderHostTimeMs < a.hostTimeMs) {
      for (const [id, e] of a.entities) out.set(id, e);
      return out;
    }
    if (b !== undefined) {
      const t = (renderHostTimeMs - a.hostTimeMs) / (b.hostTimeMs - a.hostTimeMs);
      for (const [id, from] of a.entities) {
        const to = b.entities.get(id);
        out.set(id, to === undefined ? from : this.#blend(from, to, t));
      }
      return out;
    }
    // Starved: extrapolate from the last two snapshots, for a bounded time.
    const previous = buffer[i - 1];
    const ahead = Math.min(renderHostTimeMs - a.hostTimeMs, this.#maxExtrapolationMs);
    if (previous === undefined || ahead <= 0) {
      for (const [id, e] of a.entities) out.set(id, e);
      return out;
    }
    this.#extrapolatedMs = ahead;
    const t = 1 + ahead / (a.hostTimeMs - previous.hostTimeMs);
    for (const [id, to] of a.entities) {
      const from = previous.entities.get(id);
      out.set(id, from === undefined ? to : this.#blend(from, to, t));
    }
    return out;
  }

  #blend(from: E, to: E, t: number): E {
    const out = { ...to };
    for (const key of Object.keys(to) as (keyof E)[]) {
      const a = from[key];
      const b = to[key];
      const how = this.#fields?.[key] ?? (typeof a === 'number' && typeof b === 'number' ? 'linear' : 'step');
      if (typeof how === 'function') out[key] = how(a, b, t);
      else if (how === 'linear' && typeof a === 'number' && typeof b === 'number') out[key] = (a + (b - a) * t) as E[keyof E];
      else if (how === 'angle' && typeof a === 'number' && typeof b === 'number') out[key] = lerpAngle(a, b, t, this.#fullTurn) as E[keyof E];
      else out[key] = t < 1 ? a : b;
    }
    return out;
  }
}

/** Blend two angles the short way round, result in [0, fullTurn). */
export function lerpAngle(from: number, to: number, t: number, fullTurn = Math.PI * 2): number {
  let delta = (to - from) % fullTurn;
  if (delta > fullTurn / 2) delta -= fullTurn;
  if (delta < -fullTurn / 2) delta += fullTurn;
  const value = (from + delta * t) % fullTurn;
  return value < 0 ? value + fullTurn : value;
}
