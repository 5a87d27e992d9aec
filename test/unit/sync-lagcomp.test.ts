/**
 * Lag compensation, on simulated time (no timing asserts): the host judges a shot where the
 * shooter saw its target, within the rewind cap, from a bounded history.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_REWIND_MS, LagCompensator, SyncHost, defineSchema, type ClientMessage } from '@rallypoint/sync';
import { duel, type Duel } from '../helpers/duel.js';
import { SimClock, simLane } from '../helpers/sim-net.js';

const schema = defineSchema({ x: { type: 'fixed', precision: 0.01 }, y: { type: 'fixed', precision: 0.01 } });
type Pos = { x: number; y: number };
const TARGET = 2;
const targetAt = (t: number): Pos => ({ x: 300 * Math.sin(t / 500), y: 0 });

/** 20 simulated seconds of `duel` (test/helpers/duel.ts) over a simulated lane. */
function simulatedDuel(latencyMs: number, jitterMs: number, loss: number, seed: number): Duel {
  const clock = new SimClock();
  const { a: hostSide, b: clientSide } = simLane(clock, seed, { latencyMs, jitterMs, loss });
  const game = duel(() => clock.now, hostSide.channel, clientSide.channel, 2000);
  clock.loop(1000 / 60, 20_000, () => {
    game.host.update();
    game.frame();
  });
  return game;
}

/** A host on simulated time and a peer that sends what it likes; `views`: the view times `step` was given. */
function cheatingPeer(lagCompensation: { maxRewindMs: number } | undefined) {
  const clock = new SimClock();
  const { a: hostSide, b: clientSide } = simLane(clock, 3, { latencyMs: 1 });
  const views: number[] = [];
  const host = new SyncHost<typeof schema.fields, number, Map<number, Pos>>({
    schema,
    now: () => clock.now,
    world: new Map([[TARGET, targetAt(0)]]),
    ...(lagCompensation === undefined ? {} : { lagCompensation }),
    step: (world, _inputs, _dt, _tick, seen) => {
      views.push(...(seen.get('cheat') ?? []));
      world.set(TARGET, targetAt(clock.now));
      return world;
    },
    entities: (world) => world,
  });
  host.addPeer('cheat', hostSide.channel);
  return { clock, clientSide, host, views };
}

describe('lag compensation', () => {
  it('judges a shot where the shooter saw its target: 100 ms RTT with jitter, every hit on screen is a hit on the host', () => {
    const { verdicts, host } = simulatedDuel(50, 10, 0, 11);
    expect(verdicts.seenHits).toBeGreaterThan(40);
    // Judged at the shooter's view time, what it saw is what the host judges.
    expect(verdicts.compensated).toBe(verdicts.seenHits);
    // And what it saw miss, the host does not call a hit.
    expect(verdicts.shots).toBeGreaterThan(verdicts.seenHits);
    expect(verdicts.wrongHits).toBe(0);
    // Judged where the target is when the shot arrives, most of them miss.
    expect(verdicts.naive).toBeLessThan(verdicts.seenHits / 2);
    expect(host.stats.clampedViews).toBe(0);
  });

  it('with loss, the host still agrees with nearly every hit the shooter saw', () => {
    const { verdicts } = simulatedDuel(50, 15, 0.05, 12);
    expect(verdicts.seenHits).toBeGreaterThan(40);
    expect(verdicts.compensated / verdicts.seenHits).toBeGreaterThanOrEqual(0.95);
    expect(verdicts.naive / verdicts.seenHits).toBeLessThan(0.5);
  });

  it('clamps a view time claimed past the cap (or in the future), counts it, and never rewinds further', () => {
    const { clock, clientSide, host, views } = cheatingPeer({ maxRewindMs: 250 });
    clock.loop(1000 / 60, 2000, () => host.update());
    const send = (seq: number, seenHostTimeMs: number) => clientSide.channel.send([clock.now, 0, seq, [seq], seenHostTimeMs] satisfies ClientMessage<number>);
    send(1, clock.now - 1000);
    clock.loop(1000 / 60, 2100, () => host.update());
    send(2, clock.now + 500);
    clock.loop(1000 / 60, 2200, () => host.update());
    send(3, clock.now - 100);
    clock.loop(1000 / 60, 2300, () => host.update());
    expect(views).toHaveLength(3);
    // Each view is judged against the tick that applied it, a few ms after it was sent.
    expect(views[0]).toBeGreaterThanOrEqual(2000 - 250);
    expect(views[0]).toBeLessThanOrEqual(2000 + 20 - 250);
    expect(views[1]).toBeGreaterThanOrEqual(2100);
    expect(views[1]).toBeLessThanOrEqual(2100 + 20);
    expect(views[2]).toBeCloseTo(2200 - 100, 5);
    expect(host.stats.clampedViews).toBe(2);
  });

  it('without lag compensation, seen is still clamped to the default cap', () => {
    const { clock, clientSide, host, views } = cheatingPeer(undefined);
    clock.loop(1000 / 60, 1000, () => host.update());
    clientSide.channel.send([clock.now, 0, 1, [1], -1e9] satisfies ClientMessage<number>);
    clock.loop(1000 / 60, 1100, () => host.update());
    expect(views).toHaveLength(1);
    expect(views[0]).toBeGreaterThanOrEqual(1000 - DEFAULT_MAX_REWIND_MS);
    expect(host.stats.clampedViews).toBe(1);
    expect(() => host.rewind(900)).toThrow(/lagCompensation/);
  });

  it('keeps a bounded history: a minute of snapshots holds about twice the cap, and a time before it gives the oldest kept', () => {
    const lag = new LagCompensator<Pos>(1000 / 30, { maxRewindMs: 250 });
    for (let t = 0; t <= 60_000; t += 1000 / 30) lag.record(t, new Map([[TARGET, targetAt(t)]]));
    expect(lag.size).toBeLessThanOrEqual(Math.ceil(250 / (1000 / 30)) * 2 + 4);
    expect(60_000 - lag.oldestMs).toBeGreaterThanOrEqual(250);
    expect(lag.at(0).get(TARGET)).toEqual(lag.at(lag.oldestMs).get(TARGET));
  });

  it('blends between the two worlds around a time, as a client interpolates them', () => {
    const lag = new LagCompensator<Pos>(100);
    lag.record(1000, new Map([[TARGET, { x: 0, y: 0 }]]));
    lag.record(1100, new Map([[TARGET, { x: 10, y: -20 }]]));
    expect(lag.at(1025).get(TARGET)).toEqual({ x: 2.5, y: -5 });
    // Past the newest: the newest, never a guess.
    expect(lag.at(1500).get(TARGET)).toEqual({ x: 10, y: -20 });
    expect(lag.viewTime(900, 1200)).toEqual({ hostTimeMs: 950, clamped: true });
    expect(lag.viewTime(1100, 1200)).toEqual({ hostTimeMs: 1100, clamped: false });
    expect(() => new LagCompensator<Pos>(0)).toThrow(RangeError);
  });
});
