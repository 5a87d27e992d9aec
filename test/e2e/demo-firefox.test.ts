/**
 * Chromium pages (playwright-core) and Firefox ESR pages (puppeteer-core, WebDriver BiDi) play
 * together: create, join, move, score; and two whole rounds with a third player.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser as ChromiumBrowser } from 'playwright-core';
import type { Browser as FirefoxBrowser } from 'puppeteer-core';
import { artifactPath, launchChromium, launchFirefox, playwrightPage, puppeteerPage } from '../helpers/browsers.js';
import { collectAGem, sameScore, startRound, twoRoundsWithAThird, until } from '../helpers/demo.js';
import { startDemoServer } from '../helpers/demo-server.js';
import type { ServerProcess } from '../helpers/lobby-server.js';
import { deadline } from '../helpers/wait.js';

let server: ServerProcess;
let chromium: ChromiumBrowser;
let firefox: FirefoxBrowser;
beforeAll(async () => {
  [server, chromium, firefox] = await Promise.all([startDemoServer(), launchChromium(), launchFirefox()]);
}, deadline(90_000));
afterAll(async () => {
  await chromium?.close();
  await firefox?.close();
  await server?.stop();
});

test('a Chromium page and a Firefox page play together', async () => {
  const cPage = await (await chromium.newContext({ viewport: { width: 960, height: 540 } })).newPage();
  const fPage = await firefox.newPage();
  fPage.on('pageerror', (error) => console.error('Firefox page error:', String(error)));
  cPage.on('pageerror', (error) => console.error('Chromium page error:', error.message));
  const c = playwrightPage(cPage, 'Chromium');
  const f = puppeteerPage(fPage, 'Firefox');
  const started = await startRound(c, f, server.url);
  // The link opens on the lobby relay and moves to the direct connection once it answers.
  const link = (await until(f, (s) => s.links.length === 1 && s.links[0]!.status === 'open' && s.links[0]!.transport === 'p2p', 'Firefox has its link on the direct connection')).links[0]!;
  expect(link.candidateType).toBe('host');

  // Firefox moves; Chromium (the host) sees it.
  const fEntity = String(started.slots[started.me!]! + 1);
  const startX = (await until(c, (s) => s.entities[fEntity] !== undefined, 'Chromium draws Firefox')).entities[fEntity]!.x;
  await f.keyDown('ArrowLeft');
  await until(c, (s) => (s.entities[fEntity]?.x ?? Infinity) < startX - 100, "Chromium sees Firefox's avatar move", 10_000);
  await f.keyUp('ArrowLeft');
  await Promise.all([c.screenshot(artifactPath('mixed-chromium-mid-game.png')), f.screenshot(artifactPath('mixed-firefox-mid-game.png'))]);

  // Firefox scores; Chromium shows it.
  const scored = await collectAGem(f);
  expect(await sameScore(c, f, scored.me!, scored.scores[scored.me!]!)).toBeGreaterThan(0);
  await cPage.close();
  await fPage.close();
}, deadline(120_000));

test('two full rounds in Firefox: a Chromium host, a Firefox guest, and a Firefox player who joins by the link mid-lobby; results, rematch, results again', async () => {
  const host = playwrightPage(await (await chromium.newContext({ viewport: { width: 960, height: 540 } })).newPage(), 'Chromium host');
  // The third player in a Firefox of its own: a second tab of the same window would be a
  // background tab, whose frames (and so its game) Firefox holds back.
  const secondFirefox = await launchFirefox();
  try {
    const [guestPage, thirdPage] = [await firefox.newPage(), await secondFirefox.newPage()];
    for (const page of [guestPage, thirdPage]) page.on('pageerror', (error) => console.error('Firefox page error:', String(error)));
    const { first, second } = await twoRoundsWithAThird(host, puppeteerPage(guestPage, 'Firefox guest'), puppeteerPage(thirdPage, 'Firefox third'), server.url);
    expect(first.scores[first.me!]).toBeGreaterThan(0);
    expect(second.scene).toBe('game-over');
    await Promise.all([host.close(), guestPage.close(), thirdPage.close()]);
  } finally {
    await secondFirefox.close();
  }
}, deadline(120_000));
