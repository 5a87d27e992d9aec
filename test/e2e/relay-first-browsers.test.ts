/**
 * Relay first between a Chromium page (playwright-core) and a Firefox ESR page (puppeteer-core),
 * through the real lobby server with default settings: the link opens on the lobby relay, then
 * moves to the browsers' own data channels once they are confirmed, while 10,000 events and 60 Hz
 * state flow. Every event arrives once, in order; each side sees one `transportChanged` and no close.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser as ChromiumBrowser } from 'playwright-core';
import type { Browser as FirefoxBrowser } from 'puppeteer-core';
import { launchChromium, launchFirefox } from '../helpers/browsers.js';
import { startServer, type ServerProcess } from '../helpers/lobby-server.js';
import { buildTestPage, openTestPage, waitIn, type TestPage } from '../helpers/test-page.js';
import { deadline } from '../helpers/wait.js';

const EVENTS = 10_000;
type Api = Window['relayFirstTest'];

let server: ServerProcess;
let chromium: ChromiumBrowser;
let firefox: FirefoxBrowser;
beforeAll(async () => {
  [server, chromium, firefox] = await Promise.all([
    buildTestPage('test/e2e/relay-first/page.ts', 'relay-first-page').then((dir) => startServer(['--static', dir])),
    launchChromium(),
    launchFirefox(),
  ]);
}, deadline(90_000));
afterAll(async () => {
  await chromium?.close();
  await firefox?.close();
  await server?.stop();
});

test(`Chromium and Firefox: open on the lobby relay, move to the direct connection while ${EVENTS.toLocaleString('en')} events and 60 Hz state flow; every event once, in order, one transportChanged, no close`, async () => {
  const cPage = await (await chromium.newContext()).newPage();
  const fPage = await firefox.newPage();
  cPage.on('pageerror', (error) => console.error('Chromium page error:', error.message));
  fPage.on('pageerror', (error) => console.error('Firefox page error:', String(error)));
  const c: TestPage<Api> = await openTestPage<Api>(cPage, server.url, 'Chromium', 'relayFirstTest');
  const f: TestPage<Api> = await openTestPage<Api>(fPage, server.url, 'Firefox', 'relayFirstTest');
  const relayedBefore = await server.metric('rallypoint_relay_bytes_total');

  const code = await c.call('create', EVENTS);
  await f.call('join', code);
  const arrived = await waitIn(async () => {
    const log = await f.call('log');
    return log.events === EVENTS ? log : undefined;
  }, `Firefox has all ${EVENTS} events`, 60_000);
  const moved = (page: TestPage<Api>) =>
    waitIn(async () => {
      const log = await page.call('log');
      return log.transport === 'p2p' ? log : undefined;
    }, `${page.label}'s link is on the direct connection`, 30_000);
  const [atChromium, atFirefox] = await Promise.all([moved(c), moved(f)]);

  expect(arrived).toMatchObject({ openedOn: 'relay', inOrder: true, duplicates: 0 });
  expect(atFirefox.events).toBe(EVENTS);
  expect(atFirefox.duplicates).toBe(0);
  expect(atFirefox.states).toBeGreaterThan(0);
  // The move fell inside the flow.
  expect(atFirefox.eventsAtMove).toBeGreaterThan(0);
  expect(atFirefox.eventsAtMove).toBeLessThan(EVENTS);
  for (const log of [atChromium, atFirefox]) {
    expect(log.openedOn).toBe('relay');
    expect(log.changes).toEqual(['relay>p2p']);
    expect(log.closes).toEqual([]);
  }
  // The start really went through the lobby server.
  expect(await server.metric('rallypoint_relay_bytes_total')).toBeGreaterThan(relayedBefore);
  await Promise.all([c.call('leave'), f.call('leave')]);
  await Promise.all([c.close(), f.close()]);
}, deadline(150_000));
