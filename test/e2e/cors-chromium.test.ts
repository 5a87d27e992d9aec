/**
 * A game page on one origin using lobbies on others, in real Chromium with the real lobby client
 * (colyseus.js asks with credentials, so a refusal is readable only with CORS for the page's own
 * origin, never `*`): a lobby over its matchmaking budget refuses with a 429 the client reads as
 * `LobbyRateLimitedError`, and a lobby whose `--allow-origins` leaves the page out refuses with a
 * 403 it reads as `OriginRefusedError`. Before, both read as a request that failed
 * (`LobbyUnavailableError ... no answer`).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchChromium } from '../helpers/browsers.js';
import { startServer, type ServerProcess } from '../helpers/lobby-server.js';
import { buildTestPage, openTestPage, type TestPage } from '../helpers/test-page.js';
import { deadline } from '../helpers/wait.js';
import type { CorsTestApi } from './cors/page.js';

const BUDGET = 2;
let pages: ServerProcess;
let limited: ServerProcess;
let refusing: ServerProcess;
let browser: Browser;
let page: TestPage<CorsTestApi>;
beforeAll(async () => {
  [pages, limited, refusing, browser] = await Promise.all([
    buildTestPage('test/e2e/cors/page.ts', 'cors-page').then((dir) => startServer(['--static', dir], {}, 'info')),
    startServer(['--matchmake-per-address', String(BUDGET)], {}, 'info'),
    startServer(['--allow-origins', 'https://game.example.org'], {}, 'info'),
    launchChromium(),
  ]);
  page = await openTestPage<CorsTestApi>(await (await browser.newContext()).newPage(), pages.url, 'Chromium', 'corsTest');
}, deadline(60_000));
afterAll(async () => {
  await browser?.close();
  await Promise.all([pages?.stop(), limited?.stop(), refusing?.stop()]);
});

test('over the matchmaking budget of a lobby on another origin, the page gets LobbyRateLimitedError', async () => {
  const answers: string[] = [];
  for (let i = 0; i <= BUDGET; i++) answers.push(await page.call('create', limited.url));
  // A create spends from both the matchmaking and the creation budget.
  expect(answers.slice(0, BUDGET)).toEqual(Array(BUDGET).fill('joined'));
  expect(answers[BUDGET]).toMatch(/^LobbyRateLimitedError: too many matchmaking requests from this address/);
}, 30_000);

test("a lobby whose --allow-origins leaves the page out: OriginRefusedError, naming the page's origin and the flag", async () => {
  expect(await page.call('create', refusing.url)).toBe(`OriginRefusedError: lobby server ${refusing.url}: origin ${pages.url} may not use this lobby: the server's --allow-origins does not list it`);
}, 30_000);
