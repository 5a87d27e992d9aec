/**
 * Browser benchmarks in Debian's Chromium (playwright-core):
 * - browser.link: state-lane ping-pong between two pages through rallypoint, beside a raw
 *   RTCDataChannel (`ordered: false, maxRetransmits: 0`) between the same two pages;
 * - browser.game: the demo, two pages chasing gems for 20 s, then 20 s more with the CPU throttled
 *   ×4: frame times, bandwidth, and the page's JS weight with Phaser's share.
 */
import type { Page } from 'playwright-core';
import { launchChromium, playwrightPage } from '../helpers/browsers.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chaseGems, demoState, startRound, until } from '../helpers/demo.js';
import { buildDemo } from '../helpers/demo-server.js';
import { startServer } from '../helpers/lobby-server.js';
import { buildTestPage } from '../helpers/test-page.js';
import { percentile, round, sleep, type Scenario } from './harness.js';

const buildLinkPage = (): Promise<string> => buildTestPage('test/bench/browser/link-page.ts', 'link-page');

type BenchWindow = { linkBench: { start(i: boolean): Promise<void>; signal(k: string, d: unknown): Promise<void>; ready(): boolean; pingPong(w: 'link' | 'raw', n: number): Promise<number[]> } };

const link: Scenario = {
  name: 'browser.link',
  description: 'two Chromium pages: state-lane ping-pong, rallypoint vs raw RTCDataChannel, 1,000 samples each, alternating',
  async run() {
    const server = await startServer(['--static', await buildLinkPage()], {}, 'info');
    const browser = await launchChromium();
    try {
      const pages: Page[] = [];
      for (let i = 0; i < 2; i++) pages.push(await (await browser.newContext()).newPage());
      const [a, b] = pages as [Page, Page];
      for (const [from, to] of [[a, b], [b, a]] as const) {
        await from.exposeFunction('benchSignal', (kind: string, data: unknown) => void to.evaluate(([k, d]) => (window as unknown as BenchWindow).linkBench.signal(k, d), [kind, data] as const));
      }
      await Promise.all([a.goto(server.url), b.goto(server.url)]);
      await Promise.all(pages.map((p) => p.waitForFunction(() => (window as unknown as Partial<BenchWindow>).linkBench !== undefined)));
      await b.evaluate(() => (window as unknown as BenchWindow).linkBench.start(false));
      await a.evaluate(() => (window as unknown as BenchWindow).linkBench.start(true));
      await Promise.all(pages.map((p) => p.waitForFunction(() => (window as unknown as BenchWindow).linkBench.ready(), null, { timeout: 20_000 })));
      const ping = (which: 'link' | 'raw', n: number) => a.evaluate(([w, count]) => (window as unknown as BenchWindow).linkBench.pingPong(w, count), [which, n] as const);
      await ping('link', 200);
      await ping('raw', 200);
      const ours: number[] = [];
      const raw: number[] = [];
      for (let block = 0; block < 10; block++) {
        const order = block % 2 === 0 ? (['link', 'raw'] as const) : (['raw', 'link'] as const);
        for (const which of order) (which === 'link' ? ours : raw).push(...(await ping(which, 100)));
      }
      const oursP50 = percentile(ours, 50);
      const rawP50 = percentile(raw, 50);
      // Chromium's performance.now() is coarsened to 0.1 ms here: the means resolve finer.
      const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
      return {
        ours_ms_p50: round(oursP50),
        ours_ms_p99: round(percentile(ours, 99)),
        raw_ms_p50: round(rawP50),
        raw_ms_p99: round(percentile(raw, 99)),
        ratio_p50: round(oursP50 / rawP50),
        ours_ms_mean: round(mean(ours)),
        raw_ms_mean: round(mean(raw)),
        ratio_mean: round(mean(ours) / mean(raw)),
      };
    } finally {
      await browser.close();
      await server.stop();
    }
  },
};

const PLAY_MS = 20_000;
/** Chromium's CPU throttling for the "mid-range phone" phase (DevTools' own preset is ×4). */
const THROTTLE = 4;

type Frames = { frameTimes: number[] };
type DemoHandle = { rallypointDemo: { links: { stateBytesIn: number; stateBytesOut: number; eventsBytesIn: number; eventsBytesOut: number }[] } };

const game: Scenario = {
  name: 'browser.game',
  description: `the demo, two Chromium pages chasing gems (pickup particles on), ${PLAY_MS / 1000} s as they are and ${PLAY_MS / 1000} s with the CPU throttled ×${THROTTLE}: frame times, kbps per player per lane, and the page's JS (min+gzip) with Phaser's share`,
  async run() {
    const demoDir = buildDemo();
    const server = await startServer(['--static', demoDir], {}, 'info');
    const browser = await launchChromium();
    try {
      const raws: Page[] = [];
      for (let i = 0; i < 2; i++) raws.push(await (await browser.newContext({ viewport: { width: 960, height: 540 } })).newPage());
      // Every script the host's page loads, for its weight.
      const scripts = new Set<string>();
      raws[0]!.on('response', (response) => response.url().endsWith('.js') && scripts.add(new URL(response.url()).pathname));
      const [a, b] = raws.map((p, i) => playwrightPage(p, i === 0 ? 'host' : 'client')) as [ReturnType<typeof playwrightPage>, ReturnType<typeof playwrightPage>];
      await startRound(a, b, server.url, '/?round=120');
      await until(b, (s) => s.countdownMs === 0, 'the round is on', 10_000);
      // Frame times from requestAnimationFrame, and link byte counters, over the play.
      const startFrames = (p: Page) =>
        p.evaluate(() => {
          const w = window as unknown as Frames;
          w.frameTimes = [];
          let last = performance.now();
          const frame = (t: number) => {
            w.frameTimes.push(t - last);
            last = t;
            requestAnimationFrame(frame);
          };
          requestAnimationFrame(frame);
        });
      const takeFrames = (p: Page) => p.evaluate(() => (window as unknown as Frames).frameTimes.splice(0).slice(1));
      const bytes = (p: ReturnType<typeof playwrightPage>) =>
        p.evaluate(() => (globalThis as unknown as DemoHandle).rallypointDemo.links.reduce((sum, l) => ({ state: sum.state + l.stateBytesIn + l.stateBytesOut, events: sum.events + l.eventsBytesIn + l.eventsBytesOut }), { state: 0, events: 0 }));
      const scoreOf = async (p: ReturnType<typeof playwrightPage>) => {
        const s = await demoState(p);
        return Object.values(s.scores).reduce((x, y) => x + y, 0);
      };
      // Both players chase the nearest gem the whole time: pickups, sparks and score pops.
      const play = async () => {
        const endAt = Date.now() + PLAY_MS;
        await Promise.all([a, b].map((p) => chaseGems(p, () => false, endAt)));
      };
      await Promise.all(raws.map(startFrames));
      const before = await bytes(b);
      const scoreBefore = await scoreOf(b);
      const t0 = Date.now();
      await play();
      const seconds = (Date.now() - t0) / 1000;
      const after = await bytes(b);
      const pickups = (await scoreOf(b)) - scoreBefore;
      const [fa, fb] = (await Promise.all(raws.map(takeFrames))) as [number[], number[]];

      // The same play with both pages' CPU slowed down as DevTools' "mid-range mobile" does.
      const sessions = await Promise.all(raws.map((p) => p.context().newCDPSession(p)));
      await Promise.all(sessions.map((cdp) => cdp.send('Emulation.setCPUThrottlingRate', { rate: THROTTLE })));
      await play();
      const [ta, tb] = (await Promise.all(raws.map(takeFrames))) as [number[], number[]];
      await Promise.all(sessions.map((cdp) => cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 })));

      const kbps = (n: number) => (n * 8) / 1000 / seconds;
      const stateKbps = kbps(after.state - before.state);
      const eventsKbps = kbps(after.events - before.events);
      const weight = pageWeight(demoDir, [...scripts]);
      return {
        frame_ms_p50: round(Math.max(percentile(fa, 50), percentile(fb, 50)), 2),
        frame_ms_p99: round(Math.max(percentile(fa, 99), percentile(fb, 99)), 2),
        host_frame_ms_p99: round(percentile(fa, 99), 2),
        client_frame_ms_p99: round(percentile(fb, 99), 2),
        throttled_frame_ms_p50: round(Math.max(percentile(ta, 50), percentile(tb, 50)), 2),
        throttled_frame_ms_p99: round(Math.max(percentile(ta, 99), percentile(tb, 99)), 2),
        pickups,
        state_kbps_per_player: round(stateKbps, 1),
        events_kbps_per_player: round(eventsKbps, 2),
        kbps_per_player: round(stateKbps + eventsKbps, 1),
        page_js_kib: round(weight.total / 1024, 1),
        phaser_kib: round(weight.phaser / 1024, 1),
        phaser_share_pct: round((weight.phaser / weight.total) * 100, 1),
      };
    } finally {
      await browser.close();
      await server.stop();
    }
  },
};

/**
 * The gzip-compressed bytes of the scripts a page loaded from the demo build, and those of the
 * chunks that hold Phaser (by their source maps: only Phaser's own sources).
 */
function pageWeight(dir: string, paths: string[]): { total: number; phaser: number } {
  let total = 0;
  let phaser = 0;
  for (const path of paths) {
    const file = join(dir, path);
    const size = gzipSync(readFileSync(file), { level: 9 }).byteLength;
    total += size;
    const sources = (JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] }).sources;
    if (sources.length > 0 && sources.every((source) => /(^|\/)phaser\//.test(source))) phaser += size;
  }
  return { total, phaser };
}

export const browserScenarios = [link, game];
