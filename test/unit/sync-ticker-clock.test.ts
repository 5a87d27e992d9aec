import { describe, expect, test } from 'vitest';
import { ClockSync, Predictor, SnapshotEncoder, SnapshotInterpolator, SyncClient, SyncHost, Ticker, defineSchema } from '@rallypoint/sync';
import { SimClock, simLane } from '../helpers/sim-net.js';

describe('Ticker', () => {
  test('runs whole fixed steps and reports the render alpha', () => {
    const ticks: number[] = [];
    const ticker = new Ticker({ tickRateHz: 50, onTick: (tick, dt) => ticks.push(tick * 1000 + dt) });
    ticker.advance(1000);
    expect(ticker.advance(1030)).toEqual({ ticks: 1, alpha: 0.5 });
    expect(ticker.advance(1050)).toEqual({ ticks: 1, alpha: 0.5 });
    expect(ticks).toEqual([20, 1020]);
  });

  test('caps catch-up after a stall and counts what it dropped', () => {
    let count = 0;
    const ticker = new Ticker({ tickRateHz: 100, maxCatchUpTicks: 3, onTick: () => count++ });
    ticker.advance(0);
    const result = ticker.advance(1000);
    expect(result.ticks).toBe(3);
    expect(count).toBe(3);
    expect(ticker.droppedTicks).toBe(97);
    expect(ticker.advance(1005).ticks).toBe(0);
  });
});

/** A client pinging a host whose clock is `offset` ahead (and drifting), through the conditioner. */
function syncOver(conditions: { latencyMs: number; jitterMs: number; loss?: number }, offsetMs: number, driftPerSecond = 0, seconds = 20) {
  const clock = new SimClock();
  const { a: client, b: host } = simLane(clock, 42, conditions);
  const hostNow = () => clock.now + offsetMs + (clock.now / 1000) * driftPerSecond;
  host.channel.onMessage((m) => {
    const held = 1 + (clock.now % 7); // the host answers with its next snapshot, a few ms later
    clock.at(clock.now + held, () => host.channel.send([m, hostNow(), held]));
  });
  const sync = new ClockSync();
  client.channel.onMessage((m) => {
    const [sentAt, hostTime, held] = m as [number, number, number];
    sync.addSample(sentAt, hostTime, held, clock.now);
  });
  const errors: number[] = [];
  clock.loop(33, seconds * 1000, () => {
    client.channel.send(clock.now);
    if (clock.now > 2000) errors.push(sync.hostNow(clock.now) - hostNow());
  });
  return { errors, sync };
}

describe('ClockSync', () => {
  test('converges within 2 ms on loopback', () => {
    const { errors } = syncOver({ latencyMs: 0.1, jitterMs: 0.2 }, 123_456);
    expect(Math.max(...errors.map(Math.abs))).toBeLessThan(2);
  });

  test('within ±10 ms at 100 ms RTT with 20 ms jitter and loss', () => {
    const { errors, sync } = syncOver({ latencyMs: 50, jitterMs: 20, loss: 0.05 }, -98_765);
    expect(Math.max(...errors.map(Math.abs))).toBeLessThan(10);
    expect(sync.rttMs).toBeGreaterThan(95);
  });

  test('follows a drifting host clock', () => {
    const { errors } = syncOver({ latencyMs: 20, jitterMs: 10 }, 5000, 5, 60); // 5 ms per second: a bad crystal
    expect(Math.max(...errors.slice(-300).map(Math.abs))).toBeLessThan(10);
  });

  test('the first samples and big corrections are steps; small corrections are slewed', () => {
    const sync = new ClockSync({ maxSlewMsPerSecond: 10, maxSlewedCorrectionMs: 100, directSamples: 1 });
    sync.addSample(0, 1000, 0, 10); // RTT 10, offset 995
    expect(sync.hostNow(10)).toBeCloseTo(1005);
    expect(sync.steps).toBe(1);
    // The host clock turns out 40 ms further ahead: slewed, 10 ms a second at most.
    for (let i = 0; i < 40; i++) sync.addSample(100 + i, 1035 + 100 + i + 5, 0, 110 + i);
    const before = sync.hostNow(200);
    expect(sync.hostNow(1200) - before).toBeCloseTo(1000 + 10, 5);
    expect(sync.steps).toBe(1);
    // An hour off (the other clock restarted, say): taken at once.
    for (let i = 0; i < 40; i++) sync.addSample(2000 + i, 3_600_000 + 2000 + i + 5, 0, 2010 + i);
    expect(Math.abs(sync.hostNow(2100) - (2100 + 3_600_000))).toBeLessThan(1);
    expect(sync.steps).toBe(2);
  });
});

describe('host and client with clocks of different origins', () => {
  const schema = defineSchema({ x: { type: 'fixed', precision: 0.01 } });
  const SPEED = 0.2; // units per ms
  // performance.now() starts when each page (or process) does: the origins never agree.
  for (const [label, clientOriginMs] of [['the same origin', 0], ['12 s apart', 12_000], ['an hour apart', 3_600_000], ['a negative clock', -5_000_000]] as const) {
    test(`${label}: the client locks on at once and draws the host's entity moving at its speed`, () => {
      const clock = new SimClock();
      const { a: hostSide, b: clientSide } = simLane(clock, 9, { latencyMs: 40, jitterMs: 5 });
      const hostNow = () => clock.now + 1_000;
      const host = new SyncHost<typeof schema.fields, never, Map<number, { x: number }>>({
        schema,
        now: hostNow,
        world: new Map([[1, { x: 0 }]]),
        step: (world) => world.set(1, { x: hostNow() * SPEED }),
        entities: (world) => world,
      });
      host.addPeer('client', hostSide.channel);
      const clientNow = () => clock.now + clientOriginMs;
      const client = new SyncClient<typeof schema.fields, never, { x: number }>({ schema, channel: clientSide.channel, now: clientNow });
      const drawn: { at: number; x: number; hostTime: number }[] = [];
      clock.loop(1000 / 60, 3000, () => {
        host.update();
        client.flush();
        const { entities, renderHostTimeMs } = client.frame();
        const x = entities.get(1)?.x;
        if (x !== undefined) drawn.push({ at: clock.now, x, hostTime: renderHostTimeMs });
      });
      // Locked on within the first half second: the estimate of the host clock is right...
      expect(Math.abs(client.hostNow() - hostNow())).toBeLessThan(5);
      // ...the entity is drawn a little in the host's past, not seconds (or an hour) behind...
      const late = drawn.filter((d) => d.at > 500);
      for (const d of late) expect(hostNow() - (clock.now - d.at) - d.hostTime).toBeLessThan(250);
      // ...and it moves at its speed from then on: no freeze, no catching up at a multiple of it.
      const first = late[0]!;
      const last = late.at(-1)!;
      expect((last.x - first.x) / (last.at - first.at)).toBeCloseTo(SPEED, 1);
    });
  }
});

describe('numeric options', () => {
  const schema = defineSchema({ x: { type: 'int' } });
  test('out of their documented range, each is refused by a RangeError naming the class, the option, its range and the value', () => {
    expect(() => new Ticker({ tickRateHz: 0, onTick: () => undefined })).toThrow(new RangeError('Ticker: tickRateHz must be a number, more than 0; got 0'));
    expect(() => new Ticker({ tickRateHz: 60, maxCatchUpTicks: 0.5, onTick: () => undefined })).toThrow(/maxCatchUpTicks must be a whole number, at least 1/);
    expect(() => new ClockSync({ bestShare: 0 })).toThrow('ClockSync: bestShare must be a number, more than 0, at most 1; got 0');
    expect(() => new ClockSync({ windowSize: Number.NaN })).toThrow(/windowSize .* got NaN/);
    expect(() => new SnapshotInterpolator({ extrapolationShare: 1.5 })).toThrow('SnapshotInterpolator: extrapolationShare must be a number, 0 to 1; got 1.5');
    expect(() => new SnapshotInterpolator({ bufferSize: 1 })).toThrow(/bufferSize must be a whole number, at least 2/);
    expect(() => new Predictor({ initial: { x: 0 }, step: (s) => s, dtMs: 0 })).toThrow(/Predictor: dtMs/);
    expect(() => new Predictor({ initial: { x: 0 }, step: (s) => s, dtMs: 16, redundancy: 0 })).toThrow(/redundancy/);
    expect(() => new SnapshotEncoder(schema, { historySize: 1 })).toThrow(/historySize/);
    expect(() => new SyncHost({ schema, world: {}, entities: () => new Map(), step: () => undefined, now: () => 0, snapshotRateHz: -30 } as never)).toThrow(/SyncHost: snapshotRateHz/);
  });

  test('the edges of each range are taken, and a smoothing half-life of 0 shows a correction at once', () => {
    new Ticker({ tickRateHz: 0.5, maxCatchUpTicks: 1, onTick: () => undefined });
    new ClockSync({ bestShare: 1, windowSize: 1, directSamples: 0, maxSlewedCorrectionMs: 0 });
    new SnapshotInterpolator({ extrapolationShare: 0, bufferSize: 2, minDelayMs: 0, maxExtrapolationMs: 0 });
    new SnapshotEncoder(schema, { historySize: 2 });
    const predictor = new Predictor<{ x: number }, number>({ initial: { x: 0 }, step: (s, dx) => ({ x: s.x + dx }), dtMs: 16, smoothingHalfLifeMs: 0, smooth: ['x'] });
    predictor.apply(1);
    predictor.reconcile({ x: 5 }, 0);
    // Input 1 not applied by the host yet: 5 + 1 replayed. No offset left to decay, even at 0 ms.
    expect(predictor.visual(0)).toEqual({ x: 6 });
  });
});
