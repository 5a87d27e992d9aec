/**
 * Browser benchmarks in Debian's Chromium (playwright-core):
 * - browser.link: state-lane ping-pong between two pages through rallypoint, beside a raw
 *   RTCDataChannel (`ordered: false, maxRetransmits: 0`) between the same two pages;
 * - browser.game: the demo, two pages, 20 s of scripted play: frame times and bandwidth.
 */
import type { Page } from 'playwright-core';
import { launchChromium, playwrightPage } from '../helpers/browsers.js';
import { startRound } from '../helpers/demo.js';
import { startDemoServer } from '../helpers/demo-server.js';
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

const game: Scenario = {
  name: 'browser.game',
  description: `the demo, two Chromium pages, ${PLAY_MS / 1000} s of scripted play: frame times and kbps per player per lane`,
  async run() {
    const server = await startDemoServer();
    const browser = await launchChromium();
    try {
      const raws: Page[] = [];
      for (let i = 0; i < 2; i++) raws.push(await (await browser.newContext({ viewport: { width: 960, height: 540 } })).newPage());
      const [a, b] = raws.map((p, i) => playwrightPage(p, i === 0 ? 'host' : 'client')) as [ReturnType<typeof playwrightPage>, ReturnType<typeof playwrightPage>];
      await startRound(a, b, server.url);
      await sleep(1000);
      // Frame times from requestAnimationFrame, and link byte counters, over the scripted play.
      const startFrames = (p: Page) =>
        p.evaluate(() => {
          const w = window as unknown as { frameTimes: number[] };
          w.frameTimes = [];
          let last = performance.now();
          const frame = (t: number) => {
            w.frameTimes.push(t - last);
            last = t;
            requestAnimationFrame(frame);
          };
          requestAnimationFrame(frame);
        });
      const bytes = (p: ReturnType<typeof playwrightPage>) =>
        p.evaluate(() => {
          const d = (globalThis as unknown as { rallypointDemo: { links: { stateBytesIn: number; stateBytesOut: number; eventsBytesIn: number; eventsBytesOut: number }[] } }).rallypointDemo;
          return d.links.reduce((sum, l) => ({ state: sum.state + l.stateBytesIn + l.stateBytesOut, events: sum.events + l.eventsBytesIn + l.eventsBytesOut }), { state: 0, events: 0 });
        });
      await Promise.all(raws.map(startFrames));
      const before = await bytes(b);
      const t0 = Date.now();
      const keys = ['ArrowRight', 'ArrowDown', 'ArrowLeft', 'ArrowUp'];
      let step = 0;
      while (Date.now() - t0 < PLAY_MS) {
        const [ka, kb] = [keys[step % 4]!, keys[(step + 2) % 4]!];
        await Promise.all([a.keyDown(ka), b.keyDown(kb)]);
        await sleep(500);
        await Promise.all([a.keyUp(ka), b.keyUp(kb)]);
        step++;
      }
      const seconds = (Date.now() - t0) / 1000;
      const after = await bytes(b);
      const frames = await Promise.all(raws.map((p) => p.evaluate(() => (window as unknown as { frameTimes: number[] }).frameTimes.slice(1))));
      const [fa, fb] = frames as [number[], number[]];
      const kbps = (n: number) => (n * 8) / 1000 / seconds;
      const stateKbps = kbps(after.state - before.state);
      const eventsKbps = kbps(after.events - before.events);
      return {
        frame_ms_p50: round(Math.max(percentile(fa, 50), percentile(fb, 50)), 2),
        frame_ms_p99: round(Math.max(percentile(fa, 99), percentile(fb, 99)), 2),
        host_frame_ms_p50: round(percentile(fa, 50), 2),
        host_frame_ms_p99: round(percentile(fa, 99), 2),
        client_frame_ms_p50: round(percentile(fb, 50), 2),
        client_frame_ms_p99: round(percentile(fb, 99), 2),
        state_kbps_per_player: round(stateKbps, 1),
        events_kbps_per_player: round(eventsKbps, 2),
        kbps_per_player: round(stateKbps + eventsKbps, 1),
      };
    } finally {
      await browser.close();
      await server.stop();
    }
  },
};

export const browserScenarios = [link, game];
