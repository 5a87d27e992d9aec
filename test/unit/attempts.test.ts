import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConnectionAttempts } from '../../packages/core/src/link/attempts.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('when a link makes its next connection', () => {
  it('waits nothing the first time, then 1 s doubling to 30 s; an opened connection starts the waits over', () => {
    const attempts = new ConnectionAttempts();
    const madeAt: number[] = [];
    const next = () => attempts.afterWait(() => madeAt.push(Date.now()));
    const t0 = Date.now();
    for (let i = 0; i < 8; i += 1) {
      next();
      expect(attempts.waiting).toBe(true);
      next(); // a second ask while one waits changes nothing
      vi.runOnlyPendingTimers();
      expect(attempts.waiting).toBe(false);
    }
    expect(madeAt.map((t, i) => t - (madeAt[i - 1] ?? t0))).toEqual([0, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    attempts.resetWait();
    next();
    vi.advanceTimersByTime(0);
    expect(madeAt).toHaveLength(9);
  });

  it('numbers connections from 1, follows the other side’s numbers, and stops every timer on close', () => {
    const attempts = new ConnectionAttempts();
    expect([attempts.take(), attempts.take(), attempts.newest]).toEqual([1, 2, 2]);
    attempts.follow(7);
    expect(attempts.take()).toBe(8);
    const ran = vi.fn();
    attempts.afterWait(ran);
    attempts.watch(() => false, ran);
    attempts.close();
    vi.advanceTimersByTime(60_000);
    expect(ran).not.toHaveBeenCalled();
  });

  it('gives a connection up after 10 s unless it settled; watching again restarts the clock', () => {
    const attempts = new ConnectionAttempts();
    const gaveUp = vi.fn();
    let open = false;
    attempts.watch(() => open, gaveUp);
    vi.advanceTimersByTime(9_999);
    attempts.watch(() => open, gaveUp);
    vi.advanceTimersByTime(9_999);
    expect(gaveUp).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(gaveUp).toHaveBeenCalledTimes(1);
    open = true;
    attempts.watch(() => open, gaveUp);
    vi.advanceTimersByTime(10_000);
    expect(gaveUp).toHaveBeenCalledTimes(1);
  });
});
