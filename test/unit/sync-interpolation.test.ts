import { describe, expect, test } from 'vitest';
import { createSeededRandom } from '@rallypoint/core';
import { SnapshotInterpolator, lerpAngle } from '@rallypoint/sync';

type E = { x: number; angle: number; team: string };
const snap = (x: number, angle = 0, team = 'red') => new Map([[1, { x, angle, team }]]);

describe('SnapshotInterpolator', () => {
  test('blends numbers linearly, angles the short way, other fields step', () => {
    const interp = new SnapshotInterpolator<E>({ fields: { angle: 'angle' } });
    interp.push(100, snap(0, Math.PI * 1.9, 'red'), 150);
    interp.push(200, snap(10, Math.PI * 0.1, 'blue'), 250);
    const mid = interp.sample(150).get(1)!;
    expect(mid.x).toBeCloseTo(5);
    expect(mid.angle).toBeCloseTo(0); // through 2π, not back through π
    expect(mid.team).toBe('red');
    expect(interp.sample(175).get(1)!.x).toBeCloseTo(7.5);
    expect(interp.sample(50).get(1)!.x).toBe(0); // before the first snapshot: held
  });

  test('custom per-field interpolators', () => {
    const interp = new SnapshotInterpolator<E>({ fields: { x: (a, b, t) => (t < 0.5 ? a : b) } });
    interp.push(0, snap(0), 0);
    interp.push(100, snap(10), 100);
    expect(interp.sample(40).get(1)!.x).toBe(0);
    expect(interp.sample(60).get(1)!.x).toBe(10);
  });

  test('extrapolates when starved, but no further than the cap', () => {
    const interp = new SnapshotInterpolator<E>({ maxExtrapolationMs: 50 });
    interp.push(0, snap(0), 0);
    interp.push(100, snap(10), 100);
    expect(interp.sample(130).get(1)!.x).toBeCloseTo(13);
    expect(interp.extrapolatedMs).toBe(30);
    expect(interp.sample(1000).get(1)!.x).toBeCloseTo(15);
    expect(interp.extrapolatedMs).toBe(50);
  });

  test('entities appear and disappear at their snapshot times', () => {
    const interp = new SnapshotInterpolator<{ x: number }>();
    interp.push(0, new Map([[1, { x: 0 }]]), 0);
    interp.push(100, new Map([[1, { x: 10 }], [2, { x: 50 }]]), 100);
    interp.push(200, new Map([[2, { x: 60 }]]), 200);
    expect([...interp.sample(50).keys()]).toEqual([1]);
    expect(interp.sample(150)).toEqual(new Map([[1, { x: 10 }], [2, { x: 55 }]]));
    expect([...interp.sample(200).keys()]).toEqual([2]);
  });

  test('a late snapshot still fills its gap; duplicates are ignored', () => {
    const interp = new SnapshotInterpolator<{ x: number }>();
    interp.push(0, new Map([[1, { x: 0 }]]), 0);
    interp.push(200, new Map([[1, { x: 20 }]]), 200);
    interp.push(100, new Map([[1, { x: 0 }]]), 230); // arrived out of order
    interp.push(100, new Map([[1, { x: 99 }]]), 240);
    expect(interp.sample(150).get(1)!.x).toBeCloseTo(10);
  });

  test('the delay follows lag, interval and jitter', () => {
    const steady = new SnapshotInterpolator<{ x: number }>();
    const jittery = new SnapshotInterpolator<{ x: number }>();
    for (let i = 0; i < 100; i++) {
      steady.push(i * 33, snap(i), i * 33 + 50);
      jittery.push(i * 33, snap(i), i * 33 + 50 + (i % 2) * 30);
    }
    expect(steady.delayMs).toBeGreaterThan(50 + 33 - 1);
    expect(steady.delayMs).toBeLessThan(50 + 33 + 5);
    expect(jittery.delayMs).toBeGreaterThan(steady.delayMs + 20);
  });

  test('once frames have been seen, the delay settles where about 1% of them extrapolate', () => {
    const interp = new SnapshotInterpolator<{ x: number }>();
    let extrapolated = 0;
    let frames = 0;
    // Snapshots every 33 ms, arriving 50 ms (plus up to 20 ms) after they were taken; 60 frames a second.
    let nextSnapshot = 0;
    for (let now = 0; now < 10_000; now += 1000 / 60) {
      while (nextSnapshot + 50 + ((nextSnapshot * 7) % 20) <= now) {
        interp.push(nextSnapshot, snap(nextSnapshot), nextSnapshot + 50 + ((nextSnapshot * 7) % 20));
        nextSnapshot += 33;
      }
      interp.sample(interp.renderTimeFor(now));
      if (now > 5000) {
        frames++;
        if (interp.extrapolatedMs > 0) extrapolated++;
      }
    }
    // The newest snapshot is 50 to 103 ms old at a frame: the delay sits at the top of that.
    expect(interp.delayMs).toBeGreaterThan(95);
    expect(interp.delayMs).toBeLessThan(106);
    expect(extrapolated / frames).toBeLessThan(0.03);
    expect(interp.extrapolatedPct).toBeLessThan(3);
  });

  test('the delay grows when jitter rises and shrinks when it calms, by playing slower or faster, never by a jump', () => {
    const interp = new SnapshotInterpolator<{ x: number }>();
    const random = createSeededRandom(4);
    // Snapshots every 33 ms, 50 ms on the way plus jitter: up to 10 ms, then up to 60 ms for
    // 10 s, then up to 10 ms again. Pushed when they arrive.
    const jitterAt = (t: number) => (t >= 10_000 && t < 20_000 ? 60 : 10);
    const snapshots: { at: number; taken: number }[] = [];
    for (let taken = 0; taken < 40_000; taken += 33) snapshots.push({ taken, at: taken + 50 + random() * jitterAt(taken) });
    snapshots.sort((a, b) => a.at - b.at);
    const frame = 1000 / 60;
    const delays: Record<string, number> = {};
    let previous: number | undefined;
    let next = 0;
    const steps: number[] = [];
    for (let now = 0; now < 40_000; now += frame) {
      while (next < snapshots.length && snapshots[next]!.at <= now) {
        const { taken, at } = snapshots[next++]!;
        interp.push(taken, snap(taken), at);
      }
      const render = interp.renderTimeFor(now);
      interp.sample(render);
      if (previous !== undefined && now > 1000) steps.push((render - previous) / frame);
      previous = render;
      for (const mark of [9_900, 19_900, 39_900]) if (Math.abs(now - mark) < frame / 2) delays[mark] = interp.delayMs;
    }
    // Every frame moved the drawn time forward at 90% to 105% of real time: no jumps, no rewinds.
    expect(Math.min(...steps)).toBeGreaterThanOrEqual(0.9 - 1e-9);
    expect(Math.max(...steps)).toBeLessThanOrEqual(1.05 + 1e-9);
    expect(steps.filter((step) => step !== 1).length).toBeGreaterThan(0);
    // Calm: about 50 + 33 + 10. Jittery: up to 60 more. Calm again: back down.
    expect(delays[9_900]).toBeLessThan(100);
    expect(delays[19_900]).toBeGreaterThan(delays[9_900]! + 30);
    expect(delays[39_900]).toBeLessThan(delays[19_900]! - 30);
    expect(delays[39_900]).toBeLessThan(100);
  });

  test('lerpAngle wraps both ways', () => {
    expect(lerpAngle(350, 10, 0.5, 360)).toBeCloseTo(0);
    expect(lerpAngle(10, 350, 0.25, 360)).toBeCloseTo(5);
    expect(lerpAngle(0, 180, 0.5, 360)).toBeCloseTo(90);
  });
});
