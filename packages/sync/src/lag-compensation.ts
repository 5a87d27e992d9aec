/**
 * Lag compensation: the host judges a player's action against the world as that player saw it,
 * not as it is when the action arrives. A client draws the others in the host's past (its
 * interpolation delay, after half a round trip on the way to it); when it fires at what it sees,
 * the host rewinds to that time.
 *
 * The history is what the host sent: every snapshot's world, at the host time it was stamped with,
 * blended between the two around a time by the same `SnapshotInterpolator` a client draws with, so
 * the host rewinds to what the client drew (only snapshots the client lost make them differ). How
 * far back a player may take the host is capped (`maxRewindMs`, 250 ms by default, as Source and
 * Overwatch cap it): a time claimed beyond the cap is clamped, never trusted, so a modified client
 * cannot shoot at where someone was a second ago.
 */
import { SnapshotInterpolator, type InterpolatorInit } from './interpolation.js';

/** Options of a `LagCompensator` (and `SyncHostInit.lagCompensation`). */
export interface LagCompensationInit<E extends object> {
  /** Farthest a player's view time may be behind the host's now. @default 250 */
  maxRewindMs?: number;
  /** How entities are blended between two recorded worlds: as the clients interpolate them. @default see `InterpolatorInit` */
  interpolation?: InterpolatorInit<E>;
}

/** A player's view time as the host takes it: clamped into [now − maxRewindMs, now]. */
export interface ViewTime {
  /** The host time judged at. */
  hostTimeMs: number;
  /** What the player claimed was out of bounds (earlier than the cap allows, or in the future). */
  clamped: boolean;
}

/** How far back a player's view time may take the host by default (Source and Overwatch cap it near here). */
export const DEFAULT_MAX_REWIND_MS = 250;

/** A claimed view time, taken within [nowMs − maxRewindMs, nowMs] (not a finite number: now). */
export function clampViewTime(claimedHostTimeMs: number, nowMs: number, maxRewindMs: number): ViewTime {
  const earliest = nowMs - maxRewindMs;
  if (!Number.isFinite(claimedHostTimeMs)) return { hostTimeMs: nowMs, clamped: true };
  if (claimedHostTimeMs < earliest) return { hostTimeMs: earliest, clamped: true };
  if (claimedHostTimeMs > nowMs) return { hostTimeMs: nowMs, clamped: true };
  return { hostTimeMs: claimedHostTimeMs, clamped: false };
}

/** A bounded history of the worlds sent, to judge actions at the time a player saw. */
export class LagCompensator<E extends object, Id = number> {
  readonly maxRewindMs: number;
  readonly #history: SnapshotInterpolator<E, Id>;
  /** Worlds kept. */
  readonly #size: number;
  /** The host times of the worlds held, oldest first (the same ones as the history's). */
  readonly #times: number[] = [];

  /** `everyMs`: how often a world is recorded (the snapshot interval), to size the history. */
  constructor(everyMs: number, init: LagCompensationInit<E> = {}) {
    this.maxRewindMs = init.maxRewindMs ?? DEFAULT_MAX_REWIND_MS;
    if (!(this.maxRewindMs >= 0)) throw new RangeError(`maxRewindMs must be 0 or more, got ${init.maxRewindMs}`);
    if (!(everyMs > 0)) throw new RangeError(`everyMs must be more than 0, got ${everyMs}`);
    // Enough worlds to blend at the cap, with one on either side of it and room for uneven sends.
    const size = Math.ceil(this.maxRewindMs / everyMs) * 2 + 4;
    this.#history = new SnapshotInterpolator<E, Id>({ ...init.interpolation, bufferSize: size, maxExtrapolationMs: 0 });
    this.#size = size;
  }

  /** The world as sent at host time `hostTimeMs` (times only go forward). */
  record(hostTimeMs: number, entities: ReadonlyMap<Id, E>): void {
    if (hostTimeMs <= (this.#times.at(-1) ?? -Infinity)) return;
    this.#history.push(hostTimeMs, entities, undefined);
    this.#times.push(hostTimeMs);
    if (this.#times.length > this.#size) this.#times.shift();
  }

  /** Worlds held now (bounded: about twice the cap's worth). */
  get size(): number {
    return this.#times.length;
  }

  /** The oldest recorded host time still held (Infinity before the first). */
  get oldestMs(): number {
    return this.#times[0] ?? Infinity;
  }

  /** A claimed view time, taken within [nowMs − maxRewindMs, nowMs]. */
  viewTime(claimedHostTimeMs: number, nowMs: number): ViewTime {
    return clampViewTime(claimedHostTimeMs, nowMs, this.maxRewindMs);
  }

  /**
   * The entities as they were at host time `hostTimeMs`, blended between the recorded worlds
   * around it (the oldest held before it, the newest after it). Empty before the first record.
   */
  at(hostTimeMs: number): Map<Id, E> {
    return this.#history.sample(hostTimeMs);
  }
}
