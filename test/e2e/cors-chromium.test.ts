/**
 * A page on one origin using a lobby on another, in real Chromium, asking as colyseus.js does
 * (with credentials): when the lobby refuses it for being over its budget, the page can read the
 * refusal (429, the lobby's `RateLimited` code) instead of seeing the request fail. A `*` CORS
 * answer, which the lobby once sent on its 429s, is not readable with credentials.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { LobbyErrorCode } from '@rallypoint/protocol';
import { launchChromium } from '../helpers/browsers.js';
import { startServer, type ServerProcess } from '../helpers/lobby-server.js';
import { deadline } from '../helpers/wait.js';

const BUDGET = 2;
let server: ServerProcess;
let browser: Browser;
beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(['--matchmake-per-address', String(BUDGET)], {}, 'info'), launchChromium()]);
}, deadline(60_000));
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

test('a page from another origin reads the lobby’s 429 (code RateLimited) once it is over its matchmaking budget', async () => {
  const page = await (await browser.newContext()).newPage();
  // The lobby's status page, on a name other than the address the page then asks: another origin.
  const lobby = new URL(server.url);
  await page.goto(`http://localhost:${lobby.port}/`);
  const answers = await page.evaluate(async ({ url, tries }) => {
    const out: string[] = [];
    for (let i = 0; i < tries; i++) {
      try {
        const response = await fetch(`${url}/matchmake/joinById/NOSUCHROOM`, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: '{}' });
        const body = (await response.json()) as { code?: number };
        out.push(`${response.status} ${body.code ?? ''}`.trim());
      } catch (error) {
        out.push(`failed: ${String(error)}`);
      }
    }
    return out;
  }, { url: `http://127.0.0.1:${lobby.port}`, tries: BUDGET + 1 });
  expect(answers.slice(0, BUDGET).every((a) => a.startsWith('200'))).toBe(true);
  expect(answers[BUDGET]).toBe(`429 ${LobbyErrorCode.RateLimited}`);
}, 30_000);
