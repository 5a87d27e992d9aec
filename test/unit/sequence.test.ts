import { describe, expect, it } from 'vitest';
import { RemoteClock, RttEstimator, SequenceWindow } from '../../packages/core/src/sequence.js';

describe('state-lane sequence window', () => {
  it('tells new, late, duplicate and too-old arrivals apart and counts loss', () => {
    const w = new SequenceWindow();
    expect(w.accept(0)).toBe('new');
    expect(w.accept(1)).toBe('new');
    expect(w.accept(4)).toBe('new'); // 2 and 3 missing
    expect(w.lost).toBe(2);
    expect(w.accept(4)).toBe('duplicate');
    expect(w.accept(1)).toBe('duplicate');
    expect(w.accept(3)).toBe('late'); // arrived after all: not lost
    expect(w.lost).toBe(1);
    expect(w.accept(3)).toBe('duplicate');
    expect(w.duplicates).toBe(3);
    expect(w.received).toBe(4);
    expect(w.accept(5000)).toBe('new');
    expect(w.accept(2)).toBe('too-old');
    expect(w.lost).toBe(1 + 4995);
  });

  it('counts loss from the first frame on', () => {
    const w = new SequenceWindow();
    w.accept(3);
    expect(w.lost).toBe(3);
  });

  it('forgets slots that a long gap skipped, so they read as unseen', () => {
    const w = new SequenceWindow();
    w.accept(0);
    w.accept(1030); // wraps the window past slot 6
    expect(w.accept(1030 - 1024 + 1024 - 1)).toBe('late');
  });
});

describe('RTT estimator', () => {
  it('smooths RTT with gain 1/8 and jitter with gain 1/16', () => {
    const rtt = new RttEstimator();
    rtt.sample(100);
    expect(rtt.rttMs).toBe(100);
    expect(rtt.jitterMs).toBe(0);
    rtt.sample(116);
    expect(rtt.rttMs).toBe(102);
    expect(rtt.jitterMs).toBe(1);
  });
});

describe('remote clock', () => {
  it('maps 32-bit microsecond stamps back to the remote clock across the wrap', () => {
    const wrap = 2 ** 32;
    const clock = new RemoteClock(5000, wrap - 1000);
    expect(clock.toRemoteMs(wrap - 500)).toBeCloseTo(5000 + (wrap - 500) / 1000);
    expect(clock.toRemoteMs(1500)).toBeCloseTo(5000 + (wrap + 1500) / 1000);
    // A late (reordered) stamp from before the wrap still maps to before the wrap.
    expect(clock.toRemoteMs(wrap - 200)).toBeCloseTo(5000 + (wrap - 200) / 1000);
  });
});
