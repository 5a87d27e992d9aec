import { describe, expect, it } from 'vitest';
import { MAX_SEQ_JUMP, RemoteClock, RttEstimator, SequenceWindow } from '../../packages/core/src/lanes/sequence.js';

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

describe('state-lane sequence window, serially (RFC 1982)', () => {
  const U32 = 2 ** 32;
  /** A window that took 0..n-1 in order. */
  const after = (n: number) => {
    const w = new SequenceWindow();
    for (let seq = 0; seq < n; seq++) w.accept(seq);
    return w;
  };

  it('refuses a number far ahead, far behind or before the first frame, and keeps taking honest ones', () => {
    for (const bad of [U32 - 1, 2 ** 31, 100 - 2 ** 31 + U32, 100 + MAX_SEQ_JUMP + 1]) {
      const w = after(100);
      expect(w.accept(bad), String(bad)).toBe('out-of-window');
      expect(w.newest).toBe(99);
      expect(w.accept(100)).toBe('new');
      expect(w.accept(102)).toBe('new');
      expect([w.lost, w.received, w.outOfWindow]).toEqual([1, 102, 1]);
    }
  });

  it('moves to numbers that really jumped (three in a row), and follows them across the 32-bit wrap', () => {
    const w = after(10);
    // Twice half the number space forward, in steps the window refuses until three agree.
    for (const start of [2 ** 31 + 5, U32 - 3]) {
      expect([w.accept(start), w.accept(start + 1)]).toEqual(['out-of-window', 'out-of-window']);
      expect(w.accept(start + 2)).toBe('new');
    }
    expect([w.resyncs, w.lost]).toEqual([2, 0]); // a jump the window followed is not loss
    expect(w.newest).toBe(U32 - 1);
    expect(w.accept(2)).toBe('new'); // 0 and 1 skipped: two lost, across the wrap
    expect(w.lost).toBe(2);
    expect(w.accept(0)).toBe('late');
    expect(w.accept(1)).toBe('late');
    expect(w.accept(1)).toBe('duplicate');
    expect(w.accept(U32 - 2)).toBe('too-old'); // refused before the move: never counted lost
    expect(w.lost).toBe(0);
    expect(w.newest).toBe(2);
  });

  it('does not move for stray numbers with honest traffic between them', () => {
    const w = after(10);
    for (let i = 0; i < 50; i++) {
      expect(w.accept(2 ** 31 + i)).toBe('out-of-window');
      expect(w.accept(10 + i)).toBe('new');
    }
    expect([w.resyncs, w.outOfWindow, w.lost]).toEqual([0, 50, 0]);
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
