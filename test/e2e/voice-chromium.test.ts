/**
 * Voice chat in real Chromium (Debian's, with its fake microphone and permission prompt), pages in
 * separate browser contexts, against the real lobby server: audio both ways, mute and unmute
 * without renegotiation, the data lanes flowing while voice renegotiates, a third player joining
 * mid-call and leaving, and a refused or missing microphone.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { CHROMIUM_FAKE_MEDIA, launchChromium } from '../helpers/browsers.js';
import { startServer, type ServerProcess } from '../helpers/lobby-server.js';
import { audioFrom, buildVoicePage, hears, levelOver, openVoicePage, waitIn, type VoicePage } from '../helpers/voice.js';
import { deadline } from '../helpers/wait.js';

let server: ServerProcess;
let browser: Browser;
const extraBrowsers: Browser[] = [];
beforeAll(async () => {
  [server, browser] = await Promise.all([buildVoicePage().then((dir) => startServer(['--static', dir], {}, 'info')), launchChromium(undefined, CHROMIUM_FAKE_MEDIA)]);
}, deadline(60_000));
afterAll(async () => {
  await Promise.all([browser, ...extraBrowsers].map((b) => b?.close()));
  await server?.stop();
});

async function open(label: string, from: Browser = browser): Promise<VoicePage> {
  const page = await (await from.newContext()).newPage();
  page.on('pageerror', (error) => console.error(`${label} page error:`, error.message));
  return openVoicePage(page, server.url, label);
}

/** `pages[0]` creates a room, the others join it; resolves with their member ids once every link is open. */
async function room(pages: VoicePage[], topology: 'star' | 'mesh' = 'mesh'): Promise<string[]> {
  const [first, ...rest] = pages as [VoicePage, ...VoicePage[]];
  const code = await first.call('create', 4, topology);
  for (const page of rest) await page.call('join', code);
  await waitIn(async () => {
    for (const page of pages) if ((await page.call('openLinks')).length !== pages.length - 1) return false;
    return true;
  }, 'every link is open');
  return Promise.all(pages.map((page) => page.call('me')));
}

/** Levels below this are silence (a muted sender's is exactly 0 here; the fake beep's is ~0.4). */
const SILENT = 1e-3;

test('two players: audio both ways, mute falls silent and unmute comes back without a new offer, and the data lanes keep flowing through renegotiation', async () => {
  const a = await open('A');
  const b = await open('B');
  const [aId, bId] = (await room([a, b])) as [string, string];
  await Promise.all([a.call('startTraffic'), b.call('startTraffic')]);
  await waitIn(async () => Object.keys(await b.call('traffic')).length > 0 && Object.keys(await a.call('traffic')).length > 0, 'state flows both ways');

  const startedAt = Date.now();
  const [startA, startB] = await Promise.all([a.call('startVoice', {}), b.call('startVoice', {})]);
  expect(startA.ok && startB.ok).toBe(true);
  // Audio flows both ways: bytes and samples grow, and the level is above 0.
  await Promise.all([hears(a, bId), hears(b, aId)]);
  const flowingAt = Date.now();
  expect((await levelOver(b, aId)).level).toBeGreaterThan(SILENT);
  expect((await levelOver(a, bId)).level).toBeGreaterThan(SILENT);
  const [audioA, audioB] = [(await audioFrom(a, bId))!, (await audioFrom(b, aId))!];
  expect(audioA.renegotiations).toBeGreaterThan(0);
  expect([audioA.transport, audioB.transport]).toEqual(['p2p', 'p2p']);

  // While voice was being negotiated, state and events kept arriving on both sides.
  for (const [page, from] of [[a, bId], [b, aId]] as const) {
    const traffic = (await page.call('traffic'))[from]!;
    const sent = (await (page === a ? b : a).call('sentStateTimes')).filter((t) => t >= startedAt && t <= flowingAt).length;
    const arrived = traffic.stateTimes.filter((t) => t >= startedAt && t <= flowingAt).length;
    expect(sent).toBeGreaterThan(0);
    // Loopback loses nothing; what was sent by the end of the window is at most one frame in flight.
    expect(arrived).toBeGreaterThanOrEqual(Math.floor(sent * 0.9));
    expect(traffic.inOrder).toBe(true);
    expect(traffic.events).toBeGreaterThan(0);
  }

  // Mute: the sender swaps its track for nothing; the level at B falls to 0, no offer is made.
  await a.call('mute');
  await waitIn(async () => ((await levelOver(b, aId, 1000)).level < SILENT ? true : undefined), "B hears A's silence");
  expect((await levelOver(b, aId)).level).toBeLessThan(SILENT);
  await a.call('unmute');
  await waitIn(async () => ((await levelOver(b, aId, 1000)).level > SILENT ? true : undefined), 'B hears A again');
  expect((await audioFrom(b, aId))!.renegotiations).toBe(audioB.renegotiations);
  expect((await audioFrom(a, bId))!.renegotiations).toBe(audioA.renegotiations);
  // Speaking came and went for A as B saw it.
  const seen = (await b.call('speaking')).filter((entry) => entry.peerId === aId).map((entry) => entry.speaking);
  expect(seen).toContain(true);
  expect(seen).toContain(false);
  // Every event sent arrived, in order (the lanes never reopened).
  await Promise.all([a.call('stopTraffic'), b.call('stopTraffic')]);
  const sentByA = await a.call('sentEvents');
  await waitIn(async () => ((await b.call('traffic'))[aId]!.events === sentByA ? true : undefined), 'B has every event A sent');

  // A stops voice: the track is removed (a renegotiation), and B stops playing it.
  await a.call('stopVoice');
  await waitIn(async () => !(await b.call('voiceState')).hearing.includes(aId), "B no longer plays A's voice");
  expect((await b.call('voiceState')).hearing).toEqual([]);
  expect((await a.call('voiceState')).hearing).toEqual([bId]);
  expect((await audioFrom(b, aId))!.renegotiations).toBeGreaterThan(audioB.renegotiations);
  await Promise.all([a.call('leave'), b.call('leave')]);
}, deadline(90_000));

test('a third player joins mid-call and hears both (and both hear it); when it leaves, its track ends', async () => {
  const a = await open('A');
  const b = await open('B');
  const [aId, bId] = (await room([a, b])) as [string, string];
  await Promise.all([a.call('startVoice', {}), b.call('startVoice', {})]);
  await Promise.all([hears(a, bId), hears(b, aId)]);

  const c = await open('C');
  const cId = await c.call('join', await a.call('code'));
  await waitIn(async () => (await c.call('openLinks')).length === 2 && (await a.call('openLinks')).length === 2 && (await b.call('openLinks')).length === 2, 'C is linked to both');
  expect((await c.call('startVoice', {})).ok).toBe(true);
  await Promise.all([hears(c, aId), hears(c, bId), hears(a, cId), hears(b, cId)]);
  expect((await levelOver(c, aId)).level).toBeGreaterThan(SILENT);
  expect((await levelOver(c, bId)).level).toBeGreaterThan(SILENT);

  await c.call('leave');
  for (const page of [a, b]) {
    await waitIn(async () => {
      const fromC = (await page.call('audio')).find((entry) => entry.peerId === cId);
      return fromC !== undefined && fromC.trackStates.length > 0 && fromC.trackStates.every((state) => state === 'ended') ? true : undefined;
    }, `${page.label} sees C's track end`);
    expect((await page.call('voiceState')).hearing).not.toContain(cId);
  }
  // The other two still talk.
  expect((await levelOver(a, bId)).level).toBeGreaterThan(SILENT);
  await Promise.all([a.call('leave'), b.call('leave')]);
}, deadline(90_000));

test('a refused or missing microphone is a named error, and the game goes on without voice', async () => {
  const denying = await launchChromium(undefined, ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream=deny']);
  const noDevice = await launchChromium(undefined, ['--use-fake-ui-for-media-stream']);
  extraBrowsers.push(denying, noDevice);
  const a = await open('A');
  const b = await open('B', denying);
  const c = await open('C', noDevice);
  const [aId, bId, cId] = (await room([a, b, c])) as [string, string, string];
  expect(await b.call('startVoice', {})).toMatchObject({ ok: false, name: 'MicrophoneDeniedError' });
  expect(await c.call('startVoice', {})).toMatchObject({ ok: false, name: 'NoMicrophoneError' });
  expect(await c.call('startVoice', { deviceId: 'no-such-device' })).toMatchObject({ ok: false, name: 'NoMicrophoneError' });
  expect((await a.call('startVoice', {})).ok).toBe(true);

  // The game goes on: state and events still flow between all three, and B and C still hear A.
  await Promise.all([a.call('startTraffic'), b.call('startTraffic'), c.call('startTraffic')]);
  for (const [page, from] of [[a, bId], [a, cId], [b, aId], [c, aId], [b, cId]] as const) {
    await waitIn(async () => {
      const traffic = (await page.call('traffic'))[from];
      return traffic !== undefined && traffic.state > 5 && traffic.events > 2 ? true : undefined;
    }, `${page.label} gets state and events from ${from}`);
  }
  await Promise.all([hears(b, aId), hears(c, aId)]);
  expect(await b.call('voiceState')).toMatchObject({ active: false, sending: false });
  await Promise.all([a.call('leave'), b.call('leave'), c.call('leave')]);
}, deadline(90_000));
