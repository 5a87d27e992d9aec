/**
 * Snapshot interpolation: remote entities are drawn a little in the past, between two snapshots
 * that have both arrived, so they move smoothly however snapshots are spaced, late or lost.
 * The delay adapts to how far behind snapshots arrive, their interval and their jitter. When
 * snapshots stop coming, entities are extrapolated for at most `maxExtrapolationMs`, then held.
 */
export type FieldInterpolator<V> = 'linear' | 'angle' | 'step' | ((from: V, to: V, t: number) => V);

/** Options of a `SnapshotInterpolator`. */
export interface InterpolatorInit<E extends object> {
  /** How each field blends. @default numbers 'linear', everything else 'step' */
  fields?: { [K in keyof E]?: FieldInterpolator<E[K]> };
  /** A full turn for 'angle' fields. @default 2π (radians) */
  fullTurn?: number;
  /** Never draw closer to the newest snapshot than this. @default 30 */
  minDelayMs?: number;
  /** Longest extrapolation past the newest snapshot when starved. @default 100 */
  maxExtrapolationMs?: number;
  /** Snapshots kept. @default 64 */
  bufferSize?: number;
  /**
   * Share of frames that may find no newer snapshot to blend towards (they extrapolate, briefly):
   * the delay is the smallest that keeps to it, measured over the last 3 s of frames. Lower is
   * smoother, higher is closer to now. @default 0.05
   */
  extrapolationShare?: number;
}

/** Frames of snapshot ages the delay is chosen from: 3 s at 60 frames a second. */
const AGE_WINDOW = 180;
/** Ages measured before they decide the delay (until then: lag + interval + 2 × jitter). */
const MIN_AGES = 30;
/** Frames between two choices of the delay (a sort of AGE_WINDOW numbers). */
const DELAY_EVERY = 15;

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

  constructor(init: InterpolatorInit<E> = {}) {
    this.#fields = init.fields;
    this.#fullTurn = init.fullTurn ?? Math.PI * 2;
    this.#minDelayMs = init.minDelayMs ?? 30;
    this.#maxExtrapolationMs = init.maxExtrapolationMs ?? 100;
    this.#bufferSize = init.bufferSize ?? 64;
    this.#extrapolationShare = init.extrapolationShare ?? 0.05;
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
  }

  /**
   * The host time to draw at when the host clock reads `hostNowMs`: that minus `delayMs`. Call
   * once per frame: each call also measures how old the newest snapshot is, which is what the
   * delay is chosen from.
   */
  renderTimeFor(hostNowMs: number): number {
    const newest = this.#buffer.at(-1);
    if (newest !== undefined) {
      this.#ages[this.#agesSeen % AGE_WINDOW] = hostNowMs - newest.hostTimeMs;
      this.#agesSeen++;
      if (this.#agesSeen >= MIN_AGES && ++this.#framesSinceDelay >= DELAY_EVERY) {
        this.#framesSinceDelay = 0;
        const ages = this.#ages.slice(0, Math.min(this.#agesSeen, AGE_WINDOW)).sort();
        this.#ageDelayMs = ages[Math.min(ages.length - 1, Math.floor(ages.length * (1 - this.#extrapolationShare)))] as number;
      }
    }
    return hostNowMs - this.delayMs;
  }

  #measureLag(lag: number): void {
    if (this.#lagMs === undefined) this.#lagMs = lag;
    else {
      this.#jitterMs += (Math.abs(lag - this.#lagMs) - this.#jitterMs) / 16;
      this.#lagMs += (lag - this.#lagMs) / 16;
    }
  }

  /**
   * How far behind the host clock entities are drawn: the smallest delay at which all but
   * `extrapolationShare` of recent frames had a newer snapshot to blend towards; until enough
   * frames have been seen, arrival lag + one interval + 2 × jitter.
   */
  get delayMs(): number {
    if (this.#ageDelayMs !== undefined) return Math.max(this.#minDelayMs, this.#ageDelayMs);
    if (this.#lagMs === undefined) return this.#minDelayMs;
    return Math.max(this.#minDelayMs, this.#lagMs + (this.#intervalMs ?? 0) + 2 * this.#jitterMs);
  }

  /** How far the last `sample` extrapolated past the newest snapshot (0 when it interpolated). */
  get extrapolatedMs(): number {
    return this.#extrapolatedMs;
  }

  /** Entities as of host time `renderHostTimeMs`. An entity exists at t if the snapshot at or before t has it. */
  sample(renderHostTimeMs: number): Map<Id, E> {
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
