/**
 * Link conditioner: makes a good network look bad, on the sending side, per lane, so a developer
 * can feel the netcode and tests can reproduce bad days. Seeded: the same seed and the same
 * sequence of sends give the same drops, copies and delays.
 *
 * The state lane gets latency, jitter, loss, duplication and reordering. The events lane is
 * reliable and ordered, so it only gets latency and jitter, and its "loss" is what loss costs a
 * reliable channel: the message comes one extra round trip late and holds back those behind it.
 */

import type { EventsLaneConditions, LinkConditions, StateLaneConditions } from '../types.js';

/** mulberry32: a small, fast, seedable PRNG; plenty for simulating networks. */
export function createSeededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const REORDER_HOLD_MS = 15;

/** Decides, per message, the delays at which copies are delivered; an empty list means dropped. */
export function planStateDelivery(conditions: StateLaneConditions, random: () => number): number[] {
  const { latencyMs = 0, jitterMs = 0, loss = 0, duplicate = 0, reorder = 0 } = conditions;
  // Always draw the same number of values per message so one setting does not shift the others.
  const [rLoss, rDup, rReorder, rJitter1, rJitter2] = [random(), random(), random(), random(), random()];
  if (rLoss < loss) return [];
  const hold = rReorder < reorder ? REORDER_HOLD_MS + jitterMs * 2 : 0;
  const first = latencyMs + rJitter1 * jitterMs + hold;
  if (rDup < duplicate) return [first, latencyMs + rJitter2 * jitterMs];
  return [first];
}

/** Decides the delay for one events-lane message (before ordering is enforced). */
export function planEventsDelivery(conditions: EventsLaneConditions, random: () => number): number {
  const { latencyMs = 0, jitterMs = 0, loss = 0 } = conditions;
  const [rLoss, rJitter] = [random(), random()];
  const retransmit = rLoss < loss ? Math.max(10, 2 * latencyMs) : 0;
  return latencyMs + rJitter * jitterMs + retransmit;
}

/** The clock and timers the conditioner uses (injected so tests need no real time). */
export interface Scheduler {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Applies conditions to one side's two lanes. */
export class LinkConditioner {
  #conditions: LinkConditions;
  #random: () => number;
  #eventsReadyAt = 0;
  #eventsInFlight = 0;
  readonly #timers = new Set<unknown>();

  constructor(
    conditions: LinkConditions,
    private readonly scheduler: Scheduler,
  ) {
    this.#conditions = conditions;
    this.#random = createSeededRandom(conditions.seed ?? 1);
  }

  get conditions(): LinkConditions {
    return this.#conditions;
  }

  /** Replace the conditions; a new seed restarts the random sequence. */
  set(conditions: LinkConditions): void {
    if (conditions.seed !== undefined && conditions.seed !== this.#conditions.seed) {
      this.#random = createSeededRandom(conditions.seed);
    }
    this.#conditions = conditions;
  }

  /**
   * Sends (or drops, duplicates, delays) one state frame. `frame` may be a view into a buffer the
   * caller reuses: it is sent before this returns, or copied if it is held back.
   */
  sendState<B extends Uint8Array>(frame: B, send: (frame: B) => void): void {
    const state = this.#conditions.state;
    if (state === undefined) return send(frame);
    let held: B | undefined;
    for (const delay of planStateDelivery(state, this.#random)) {
      // Zero delay goes out at once, so a conditioner with only loss set keeps the send order.
      if (delay <= 0) {
        send(frame);
      } else {
        // A copy, not `.slice()`: on a Node Buffer (as msgpackr returns) that is a view.
        const copy = (held ??= new Uint8Array(frame) as B);
        this.#later(() => send(copy), delay);
      }
    }
  }

  sendEvents(deliver: () => void): void {
    const events = this.#conditions.events;
    // With nothing held back, an unconditioned lane sends at once; otherwise it must queue behind.
    if (events === undefined && this.#eventsInFlight === 0) return deliver();
    const now = this.scheduler.now();
    const at = Math.max(this.#eventsReadyAt, now + (events === undefined ? 0 : planEventsDelivery(events, this.#random)));
    this.#eventsReadyAt = at;
    this.#eventsInFlight++;
    this.#later(() => {
      this.#eventsInFlight--;
      deliver();
    }, at - now);
  }

  /** Drop everything still in flight. */
  stop(): void {
    for (const timer of this.#timers) this.scheduler.clearTimeout(timer);
    this.#timers.clear();
    this.#eventsInFlight = 0;
  }

  #later(deliver: () => void, delayMs: number): void {
    const timer = this.scheduler.setTimeout(() => {
      this.#timers.delete(timer);
      deliver();
    }, delayMs);
    this.#timers.add(timer);
  }
}
