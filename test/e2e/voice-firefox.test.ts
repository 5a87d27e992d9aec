/**
 * Voice between a Chromium page (fake microphone: a beep) and a Firefox ESR page (fake
 * microphone: a tone), through the real lobby server: audio flows both ways. Which side offers
 * follows the member ids; both sides add a track, so the non-initiator's transceiver request runs
 * in one browser or the other.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser as ChromiumBrowser } from 'playwright-core';
import type { Browser as FirefoxBrowser } from 'puppeteer-core';
import { CHROMIUM_FAKE_MEDIA, launchChromium, launchFirefox } from '../helpers/browsers.js';
import { startServer, type ServerProcess } from '../helpers/lobby-server.js';
import { buildVoicePage, hears, levelOver, openVoicePage, waitIn, type VoicePage } from '../helpers/voice.js';
import { deadline } from '../helpers/wait.js';

let server: ServerProcess;
let chromium: ChromiumBrowser;
let firefox: FirefoxBrowser;
beforeAll(async () => {
  [server, chromium, firefox] = await Promise.all([
    buildVoicePage().then((dir) => startServer(['--static', dir], {}, 'info')),
    launchChromium(undefined, CHROMIUM_FAKE_MEDIA),
    launchFirefox({ fakeMedia: true }),
  ]);
}, deadline(90_000));
afterAll(async () => {
  await chromium?.close();
  await firefox?.close();
  await server?.stop();
});

async function pages(): Promise<{ c: VoicePage; f: VoicePage }> {
  const cPage = await (await chromium.newContext()).newPage();
  const fPage = await firefox.newPage();
  cPage.on('pageerror', (error) => console.error('Chromium page error:', error.message));
  fPage.on('pageerror', (error) => console.error('Firefox page error:', String(error)));
  return { c: await openVoicePage(cPage, server.url, 'Chromium'), f: await openVoicePage(fPage, server.url, 'Firefox') };
}

test('Chromium and Firefox ESR: audio both ways', async () => {
  const { c, f } = await pages();
  const code = await c.call('create', 2, 'mesh');
  const fId = await f.call('join', code);
  const cId = await c.call('me');
  await waitIn(async () => (await c.call('openLinks')).length === 1 && (await f.call('openLinks')).length === 1, 'the link is open');
  // Firefox first this time: the side that starts voice first should not matter.
  expect((await f.call('startVoice', {})).ok).toBe(true);
  expect((await c.call('startVoice', {})).ok).toBe(true);
  await Promise.all([hears(c, fId), hears(f, cId)]);
  expect((await levelOver(c, fId)).level).toBeGreaterThan(1e-3);
  const atFirefox = await levelOver(f, cId);
  expect(atFirefox.bytes).toBeGreaterThan(0);
  expect(atFirefox.samples).toBeGreaterThan(0);
  expect(atFirefox.level).toBeGreaterThan(1e-3);
  await Promise.all([c.call('leave'), f.call('leave')]);
  await c.close();
  await f.close();
}, deadline(90_000));
