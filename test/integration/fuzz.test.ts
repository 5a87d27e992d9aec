/**
 * A short round of each fuzzer (`npm run fuzz` runs longer ones): 2,000 hostile frames at the
 * real lobby server, and 2,000 at a real link, with fixed seeds so a failure replays.
 */
import { expect, test } from 'vitest';
import { fuzzLink } from '../fuzz/link.fuzz.js';
import { fuzzLobby } from '../fuzz/lobby.fuzz.js';
import { deadline } from '../helpers/wait.js';

/** Bounds only a broken defence crosses (a frozen or leaking target); the figures are printed. */
const HONEST_ROUND_TRIP_BOUND_MS = 2000;
const MEMORY_GROWTH_BOUND_MB = 200;

test('lobby: 2,000 fuzzed frames across four rooms; the server lives, stays small, and honest members keep signalling', async () => {
  const report = await fuzzLobby({ frames: 2000, seed: 9 });
  console.log(`fuzz lobby: ${JSON.stringify(report)}`);
  expect(report.frames).toBe(2000);
  expect(report.serverAlive).toBe(true);
  expect(report.escapes).toEqual([]);
  expect(report.rssMaxMb - report.rssStartMb).toBeLessThan(MEMORY_GROWTH_BOUND_MB);
  expect(report.honestRoundTrips).toBeGreaterThan(0);
  expect(report.honestMaxMs).toBeLessThan(HONEST_ROUND_TRIP_BOUND_MS);
  expect(report.rejected['undecodable']).toBeGreaterThan(0);
  expect(report.disconnectedForAbuse).toBeGreaterThan(0);
}, deadline(120_000));

test('link: 2,000 hostile frames on both lanes; nothing throws, and every honest event arrives once, in order', async () => {
  const report = await fuzzLink({ frames: 2000, seed: 9 });
  console.log(`fuzz link: ${JSON.stringify(report)}`);
  expect(report.uncaught).toBe(0);
  expect(report.linkOpen).toBe(true);
  expect(report.honestReceived).toBe(report.honestSent);
  expect(report.honestInOrder).toBe(true);
  expect(report.requestsAnswered).toBe(Math.floor(report.honestSent / 10));
  // Every refused frame is counted and reported.
  expect(Object.values(report.errors).reduce((sum, n) => sum + n, 0)).toBe(report.badInput);
  expect(report.badInput).toBeGreaterThan(1000);
  expect(report.heapMaxMb).toBeLessThan(1024);
}, deadline(120_000));
