import { describe, expect, test } from 'vitest';
import { ClockSync, Ticker } from '@rallypoint/sync';
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

  test('does not jump: corrections are slewed', () => {
    const sync = new ClockSync({ maxSlewMsPerSecond: 10 });
    sync.addSample(0, 1000, 0, 10);
    expect(sync.hostNow(10)).toBeCloseTo(1005);
    for (let i = 0; i < 40; i++) sync.addSample(100 + i, 1500 + 100 + i, 0, 100 + i);
    const before = sync.hostNow(200);
    expect(sync.hostNow(300) - before).toBeLessThanOrEqual(100 + 1 + 1e-9);
  });
});
