/**
 * The demo in real Chromium (Debian's, through playwright-core), two pages in separate browser
 * contexts, against the real lobby server serving a fresh build of the demo.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { CHROMIUM_FAKE_MEDIA, artifactPath, launchChromium, playwrightPage, type GamePage } from '../helpers/browsers.js';
import { collectAGem, demoState, sameScore, startRound, twoRoundsWithAThird, until } from '../helpers/demo.js';
import { startDemoServer } from '../helpers/demo-server.js';
import type { ServerProcess } from '../helpers/lobby-server.js';
import { deadline } from '../helpers/wait.js';

let server: ServerProcess;
let browser: Browser;
beforeAll(async () => {
  // A fake microphone for the voice test; the other tests never ask for it.
  [server, browser] = await Promise.all([startDemoServer(), launchChromium(undefined, CHROMIUM_FAKE_MEDIA)]);
}, deadline(60_000));
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function openPage(label: string): Promise<GamePage> {
  const context = await browser.newContext({ viewport: { width: 960, height: 540 } });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`${label} page error:`, error.message));
  return playwrightPage(page, label);
}

const LEAVER_BOUND_MS = 10_000;

test('create, join by invite link, play: movement, a pickup on both screens, a leaver seen within seconds', async () => {
  const a = await openPage('A');
  const b = await openPage('B');
  await a.goto(server.url);
  await a.click('Create room');
  const { code } = await until(a, (s) => s.scene === 'room' && s.code !== undefined, 'A is in a room');
  await b.goto(`${server.url}/?room=${code}`);
  await until(b, (s) => s.scene === 'room' && s.code === code, 'B lands in the room from the link');
  await until(a, (s) => s.members.length === 2, 'A sees both');
  await until(b, (s) => s.members.length === 2, 'B sees both');
  await b.click('Ready');
  await until(a, (s) => s.members.some((m) => m.ready), 'A sees B ready');
  await a.click('Start');
  const started = await until(b, (s) => s.scene === 'game' && Object.keys(s.entities).length >= 2, 'B is in the game');
  await until(a, (s) => s.scene === 'game', 'A is in the game');
  const aEntity = String(started.slots[started.hostId!]! + 1);
  const startX = started.entities[aEntity]!.x;

  // A moves right by keyboard; B sees A's avatar move.
  await a.keyDown('ArrowRight');
  await until(b, (s) => (s.entities[aEntity]?.x ?? 0) > startX + 100, "B sees A's avatar move right", 10_000);
  await a.keyUp('ArrowRight');
  await Promise.all([a.screenshot(artifactPath('chromium-a-mid-game.png')), b.screenshot(artifactPath('chromium-b-mid-game.png'))]);
  // The guest's overlay figures: how far back it draws the host (adapted to what arrives), and
  // the host's count of clamped view times (not asserted 0: on a busy machine a guest may really
  // draw more than 250 ms back).
  const figures = await until(b, (s) => s.netcode?.interpolation !== undefined && s.netcode.interpolation.delayMs > 0, "B reports its interpolation delay");
  expect(figures.netcode!.interpolation!.targetDelayMs).toBeGreaterThan(0);
  expect(figures.netcode!.interpolation!.extrapolatedPct).toBeGreaterThanOrEqual(0);
  expect((await until(a, (s) => s.netcode?.clampedViews !== undefined, 'A reports its clamped view times')).netcode!.clampedViews).toBeGreaterThanOrEqual(0);

  // A picks a gem up; both pages show the same score.
  const afterPickup = await collectAGem(a);
  expect(await sameScore(a, b, afterPickup.me!, afterPickup.scores[afterPickup.me!]!)).toBeGreaterThan(0);

  // B closes its page: A sees B gone once the link's heartbeat times out (3 s in the demo), long
  // before the lobby would say so (it keeps a dropped member's seat for 20 s). Wait past the
  // lobby's 20 s, so that a broken heartbeat shows as a late removal: 10 s is a bound only a
  // broken heartbeat crosses. The measured time is printed.
  const bEntity = String(afterPickup.slots[(await demoState(b)).me!]! + 1);
  expect((await demoState(a)).entities[bEntity]).toBeDefined();
  const closedAt = Date.now();
  await b.close();
  await until(a, (s) => s.entities[bEntity] === undefined, 'A sees B gone', 30_000);
  const goneAfterMs = Date.now() - closedAt;
  console.log(`demo-chromium: the leaver was gone after ${goneAfterMs} ms`);
  expect(goneAfterMs).toBeLessThan(LEAVER_BOUND_MS);
  await a.close();
}, deadline(90_000));

test('quick match puts two pages in the same room', async () => {
  const a = await openPage('A');
  const b = await openPage('B');
  await a.goto(server.url);
  await b.goto(server.url);
  await a.click('Quick match');
  const inRoom = await until(a, (s) => s.scene === 'room' && s.code !== undefined, 'A is matched');
  await b.click('Quick match');
  await until(b, (s) => s.scene === 'room' && s.code === inRoom.code, 'B is matched into the same room');
  await until(a, (s) => s.members.length === 2, 'A sees B');
  await a.close();
  await b.close();
}, deadline(60_000));

test('two full rounds with three players: create, join by link, a third joins mid-lobby, ready, play, the same results everywhere, rematch, play again', async () => {
  const [a, b, c] = [await openPage('A'), await openPage('B'), await openPage('C')];
  const { first, second } = await twoRoundsWithAThird(a, b, c, server.url);
  expect(first.scene).toBe('game-over');
  expect(second.scene).toBe('game-over');
  await Promise.all([a.screenshot(artifactPath('chromium-a-game-over.png')), b.screenshot(artifactPath('chromium-b-game-over.png'))]);
  await Promise.all([a.close(), b.close(), c.close()]);
}, deadline(120_000));

test('the host leaves mid-round: the other page ends the round and says why', async () => {
  const a = await openPage('host');
  const b = await openPage('guest');
  await startRound(a, b, server.url);
  await a.close();
  await until(b, (s) => s.scene === 'game-over', 'the guest sees the round end', LEAVER_BOUND_MS);
  const note = await b.evaluate(() => document.querySelector('.note')?.textContent);
  expect(note).toContain('host left');
  await b.close();
}, deadline(60_000));

test('voice in the demo: the mic button and V push-to-talk, each hears the other, the speaking ring, and volume falling with distance', async () => {
  const a = await openPage('A');
  const b = await openPage('B');
  const started = await startRound(a, b, server.url);
  const [aId, bId] = [started.hostId!, started.me!];
  await a.click('Voice off');
  await until(a, (s) => s.voice?.active === true && s.voice.sending, 'A has an open mic');
  // B holds V: voice starts in push-to-talk, sending while the key is down.
  await b.keyDown('v');
  await until(b, (s) => s.voice?.active === true && s.voice.pushToTalk && s.voice.sending, 'B talks with V held');
  await until(a, (s) => s.voice?.hearing.includes(bId) === true, 'A hears B');
  await until(b, (s) => s.voice?.hearing.includes(aId) === true, 'B hears A');
  await until(a, (s) => s.voice?.speaking.includes(bId) === true, 'A sees B speaking (the ring)', 10_000);
  await a.screenshot(artifactPath('chromium-a-voice.png'));
  await b.keyUp('v');
  await until(b, (s) => s.voice?.sending === false, 'B stops sending when V is up');
  await until(a, (s) => s.voice?.speaking.includes(bId) === false, 'B is no longer speaking at A', 10_000);

  // Proximity: the players start far apart; as A runs to B, B hears A louder.
  const aEntity = String(started.slots[aId]! + 1);
  const bEntity = String(started.slots[bId]! + 1);
  const before = await until(b, (s) => s.voice?.volumes[aId] !== undefined && s.entities[aEntity] !== undefined && s.entities[bEntity] !== undefined, 'B has a volume for A');
  const far = before.voice!.volumes[aId]!;
  const [from, to] = [before.entities[aEntity]!, before.entities[bEntity]!];
  const keys = [to.x > from.x ? 'ArrowRight' : 'ArrowLeft', to.y > from.y ? 'ArrowDown' : 'ArrowUp'];
  for (const key of keys) await a.keyDown(key);
  const near = await until(b, (s) => (s.voice?.volumes[aId] ?? 0) > far + 0.3, 'B hears A louder up close', 10_000);
  for (const key of keys) await a.keyUp(key);
  expect(near.voice!.volumes[aId]).toBeGreaterThan(far);
  await a.close();
  await b.close();
}, deadline(90_000));
