/** Gem Rush's contested pickups (demo-game/src/contest.ts): the earliest touch as each player saw it wins. */
import { describe, expect, test } from 'vitest';
import { CONTEST_MS, GemContests } from '../../demo-game/src/contest.js';

describe('contested gems', () => {
  test('a gem nobody else is near goes at once to who touched it', () => {
    const contests = new GemContests();
    expect(contests.judge(1, [], false, 1000)).toBeUndefined();
    expect(contests.judge(1, [{ player: 'a', seenAt: 900 }], false, 1000)).toBe('a');
    expect(contests.size).toBe(0);
  });

  test('two players reaching a gem: held for the window, then the one who reached it first on their own screen gets it', () => {
    const contests = new GemContests();
    // The host's own player touches first in host time, seeing the world as it is.
    expect(contests.judge(7, [{ player: 'host', seenAt: 1000 }], true, 1000)).toBeUndefined();
    // The other's touch arrives 40 ms later, made looking at the world of 110 ms before that.
    expect(contests.judge(7, [{ player: 'host', seenAt: 1000 }, { player: 'guest', seenAt: 930 }], true, 1040)).toBeUndefined();
    expect(contests.size).toBe(1);
    expect(contests.judge(7, [], true, 1000 + CONTEST_MS - 1)).toBeUndefined();
    expect(contests.judge(7, [], true, 1000 + CONTEST_MS)).toBe('guest');
    expect(contests.size).toBe(0);
  });

  test('a touch made later than the first, as its player saw it, does not take the gem', () => {
    const contests = new GemContests();
    contests.judge(3, [{ player: 'a', seenAt: 500 }], true, 600);
    contests.judge(3, [{ player: 'b', seenAt: 550 }], true, 620);
    expect(contests.judge(3, [], true, 600 + CONTEST_MS)).toBe('a');
  });
});
