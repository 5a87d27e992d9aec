/**
 * A player who closes the tab says goodbye: the real lobby serving the demo, a Node player hosting
 * and a Chromium page that joined by the invite link and linked with it. The page is closed; the
 * host sees `memberLeft` with reason `left` (said, not inferred after the lobby's 20 s reconnection
 * window, which reads `lost`) and no error events about the one who left. A tab that crashes
 * says nothing: the host sees it away at once, then gone (`lost`) after the window, and no errors.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchChromium, playwrightPage } from '../helpers/browsers.js';
import { until } from '../helpers/demo.js';
import { startDemoServer } from '../helpers/demo-server.js';
import type { ServerProcess } from '../helpers/lobby-server.js';
import { startLocalAgent, stopAgents, type Agent } from '../helpers/netlab/agents.js';
import { deadline } from '../helpers/wait.js';

import { LobbyLimits } from '@rallypoint/protocol';

let server: ServerProcess;
let browser: Browser;
beforeAll(async () => {
  [server, browser] = await Promise.all([startDemoServer(), launchChromium()]);
}, deadline(60_000));
afterAll(async () => {
  await stopAgents();
  await browser?.close();
  await server?.stop();
});

/** A Node player hosting, and a Chromium page that joined by the invite link and linked with it. */
async function hostWithAPage(): Promise<{ host: Agent; page: Page }> {
  const host = await startLocalAgent('host');
  const { code } = await host.call<{ code: string }>('join', { url: server.url });
  const page = await (await browser.newContext()).newPage();
  const game = playwrightPage(page, 'Chromium');
  await game.goto(`${server.url}/?room=${code}`);
  await until(game, (s) => s.scene === 'room' && s.members.length === 2, 'the page is in the room');
  await host.call('waitOpen', { timeoutMs: 20_000 });
  return { host, page };
}

type Departures = { left: Array<{ id: string; reason: string; msAgo: number }>; away: Array<{ id: string; msAgo: number }>; errors: string[] };

test('a closed tab leaves at once: the host sees memberLeft "left", and no errors about it', async () => {
  const { host, page } = await hostWithAPage();

  const closedAt = Date.now();
  await page.close({ runBeforeUnload: true });
  let departures: Departures = { left: [], away: [], errors: [] };
  await expect.poll(async () => (departures = await host.call<Departures>('departures')).left.length, { timeout: 15_000 }).toBe(1);
  console.log(`goodbye-chromium: memberLeft after ${Date.now() - closedAt - departures.left[0]!.msAgo} ms`);
  expect(departures.left[0]!.reason).toBe('left');
  // A moment later, still nothing went wrong on the host's side because of it.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  expect((await host.call<Departures>('departures')).errors).toEqual([]);
}, 60_000);

test('a crashed tab is away at once, gone after the reconnection window, and makes no errors', async () => {
  const { host, page } = await hostWithAPage();

  const cdp = await page.context().newCDPSession(page);
  const crashedAt = Date.now();
  void cdp.send('Page.crash').catch(() => undefined); // the renderer dies: no answer comes
  let departures: Departures = { left: [], away: [], errors: [] };
  await expect.poll(async () => (departures = await host.call<Departures>('departures')).away.length, { timeout: 10_000 }).toBe(1);
  console.log(`goodbye-chromium: away after ${Date.now() - crashedAt - departures.away[0]!.msAgo} ms`);
  expect(departures.left).toEqual([]);
  await expect.poll(async () => (departures = await host.call<Departures>('departures')).left.length, { timeout: (LobbyLimits.reconnectWindowSeconds + 10) * 1000, interval: 500 }).toBe(1);
  expect(departures.left[0]!.reason).toBe('lost');
  expect(departures.errors).toEqual([]);
}, 90_000);
