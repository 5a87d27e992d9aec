/**
 * Simulated time and a simulated state lane for deterministic netcode tests: the delays, loss and
 * jitter come from @rallypoint/core's link conditioner (`planStateDelivery`, seeded), and like
 * the real state lane, a message older than the newest delivered one is dropped.
 */
import { createSeededRandom, planStateDelivery, type StateLaneConditions } from '@rallypoint/core';
import type { StateChannel } from '@rallypoint/sync';

export class SimClock {
  now = 0;
  readonly #queue: { at: number; order: number; fn: () => void }[] = [];
  #order = 0;

  at(ms: number, fn: () => void): void {
    this.#queue.push({ at: ms, order: this.#order++, fn });
    this.#queue.sort((a, b) => a.at - b.at || a.order - b.order);
  }

  /** Run everything due up to `until`, advancing `now`. */
  runUntil(until: number): void {
    while (this.#queue.length > 0 && (this.#queue[0] as { at: number }).at <= until) {
      const next = this.#queue.shift() as { at: number; fn: () => void };
      this.now = next.at;
      next.fn();
    }
    this.now = until;
  }

  /** Call `fn` every `everyMs` from now until `until`, letting deliveries in between run. */
  loop(everyMs: number, until: number, fn: () => void): void {
    for (let t = this.now; t < until; t += everyMs) {
      this.runUntil(t);
      fn();
    }
    this.runUntil(until);
  }
}

/** A pair of StateChannels between `a` and `b`, each direction with its own conditions. */
export function simLane(clock: SimClock, seed: number, aToB: StateLaneConditions, bToA: StateLaneConditions = aToB) {
  const make = (conditions: StateLaneConditions, random: () => number, deliver: (m: unknown, seq: number) => void) => {
    let seq = 0;
    return (message: unknown) => {
      const mySeq = ++seq;
      for (const delay of planStateDelivery(conditions, random)) clock.at(clock.now + delay, () => deliver(message, mySeq));
    };
  };
  const side = (): { channel: StateChannel; deliver: (m: unknown, seq: number) => void; sent: number; delivered: number } => {
    const listeners = new Set<(m: unknown) => void>();
    let newest = 0;
    const self = {
      sent: 0,
      delivered: 0,
      channel: {
        send: (_m: unknown) => undefined,
        onMessage(fn: (m: unknown) => void) {
          listeners.add(fn);
          return () => listeners.delete(fn);
        },
      } as StateChannel,
      deliver(message: unknown, seq: number) {
        if (seq <= newest) return;
        newest = seq;
        self.delivered++;
        for (const fn of listeners) fn(message);
      },
    };
    return self;
  };
  const a = side();
  const b = side();
  const toB = make(aToB, createSeededRandom(seed), (m, s) => b.deliver(m, s));
  const toA = make(bToA, createSeededRandom(seed + 1), (m, s) => a.deliver(m, s));
  a.channel.send = (m) => {
    a.sent++;
    toB(m);
  };
  b.channel.send = (m) => {
    b.sent++;
    toA(m);
  };
  return { a, b };
}
