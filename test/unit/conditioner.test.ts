import { LinkConditioner, createSeededRandom, planEventsDelivery, planStateDelivery, type Scheduler } from '@rallypoint/core';
import { describe, expect, it } from 'vitest';

const conditions = { latencyMs: 50, jitterMs: 20, loss: 0.1, duplicate: 0.05, reorder: 0.1 };

function fakeScheduler() {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void; id: number }> = [];
  let nextId = 0;
  const scheduler: Scheduler = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = nextId++;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout: (id) => {
      const i = timers.findIndex((t) => t.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
  };
  const advance = (ms: number) => {
    now += ms;
    timers.sort((a, b) => a.at - b.at || a.id - b.id);
    while (timers.length > 0 && (timers[0] as { at: number }).at <= now) (timers.shift() as { fn: () => void }).fn();
  };
  return { scheduler, advance, pending: () => timers.length };
}

describe('link conditioner', () => {
  it('makes the same choices for the same seed, and different ones for another', () => {
    const plan = (seed: number) => {
      const random = createSeededRandom(seed);
      return Array.from({ length: 1000 }, () => planStateDelivery(conditions, random));
    };
    expect(plan(42)).toEqual(plan(42));
    expect(plan(42)).not.toEqual(plan(43));
  });

  it('drops, duplicates and delays at the configured rates', () => {
    const random = createSeededRandom(1);
    const plans = Array.from({ length: 20_000 }, () => planStateDelivery(conditions, random));
    const dropped = plans.filter((p) => p.length === 0).length / plans.length;
    const doubled = plans.filter((p) => p.length === 2).length / plans.length;
    expect(dropped).toBeGreaterThan(0.09);
    expect(dropped).toBeLessThan(0.11);
    expect(doubled).toBeGreaterThan(0.04);
    expect(doubled).toBeLessThan(0.06);
    const delays = plans.flat();
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(50);
    expect(delays.some((d) => d > 50 + 20)).toBe(true); // reordered ones are held past the jitter
  });

  it('reorders state but never events, and loses no event', () => {
    const { scheduler, advance } = fakeScheduler();
    const c = new LinkConditioner({ seed: 5, state: conditions, events: { latencyMs: 30, jitterMs: 40, loss: 0.3 } }, scheduler);
    const state: number[] = [];
    const events: number[] = [];
    for (let i = 0; i < 500; i++) {
      c.sendState(new Uint8Array([i]), () => state.push(i));
      c.sendEvents(() => events.push(i));
      advance(1);
    }
    advance(10_000);
    expect(events).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(state.some((n, i) => i > 0 && n < (state[i - 1] as number))).toBe(true);
    expect(new Set(state).size).toBeLessThan(500);
  });

  it('copies a state frame it holds back, so the caller may reuse its buffer', () => {
    const { scheduler, advance } = fakeScheduler();
    const c = new LinkConditioner({ state: { latencyMs: 10 } }, scheduler);
    const scratch = new Uint8Array([1, 2, 3]);
    const sent: number[][] = [];
    c.sendState(scratch, (bytes) => sent.push([...bytes]));
    scratch.fill(9); // the next encode overwrites the scratch buffer
    advance(10);
    expect(sent).toEqual([[1, 2, 3]]);
  });

  it('models an events-lane loss as one extra round trip', () => {
    const always = () => 0;
    expect(planEventsDelivery({ latencyMs: 40, loss: 1 }, always)).toBe(40 + 80);
    expect(planEventsDelivery({ latencyMs: 40, loss: 0 }, always)).toBe(40);
  });

  it('sends at once when unconditioned, and drops what is in flight on stop', () => {
    const { scheduler, advance, pending } = fakeScheduler();
    const c = new LinkConditioner({}, scheduler);
    let sent = 0;
    c.sendState(new Uint8Array(1), () => sent++);
    c.sendEvents(() => sent++);
    expect(sent).toBe(2);
    c.set({ state: { latencyMs: 10 } });
    c.sendState(new Uint8Array(1), () => sent++);
    expect(pending()).toBe(1);
    c.stop();
    advance(100);
    expect(sent).toBe(2);
  });
});
