/**
 * The demo as a game in real Chromium: the arena is drawn and moving (not a blank field), sounds
 * wait for a gesture and mute is remembered, every named lobby error reads as a sentence in the
 * page, the room list says how each player is reached, and a touch-only phone player finishes a
 * round. Against the real lobby server serving a fresh build of the demo.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { devices, type Browser, type Page } from 'playwright-core';
import { createLobby } from '@rallypoint/lobby/node';
import { artifactPath, launchChromium, playwrightPage, type GamePage } from '../helpers/browsers.js';
import { demoState, startRound, until, type DemoState } from '../helpers/demo.js';
import { buildDemo } from '../helpers/demo-server.js';
import { startServer, type ServerProcess } from '../helpers/lobby-server.js';
import { startProxy } from '../helpers/tcp-proxy.js';
import { deadline } from '../helpers/wait.js';

let demoDir: string;
let server: ServerProcess;
let browser: Browser;
beforeAll(async () => {
  demoDir = buildDemo();
  [server, browser] = await Promise.all([startServer(['--static', demoDir], {}, 'info'), launchChromium()]);
}, deadline(60_000));
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function openPage(label: string, options: Parameters<Browser['newContext']>[0] = { viewport: { width: 960, height: 540 } }): Promise<{ raw: Page; page: GamePage }> {
  const raw = await (await browser.newContext(options)).newPage();
  raw.on('pageerror', (error) => console.error(`${label} page error:`, error.message));
  return { raw, page: playwrightPage(raw, label) };
}

/**
 * Two screenshots compared by the page itself (no PNG decoder needed here): the colours of the
 * first (5 bits a channel) and how many pixels changed between them.
 */
async function compareFrames(raw: Page, first: Buffer, second: Buffer): Promise<{ colours: number[]; changed: number }> {
  return raw.evaluate(async ([a, b]) => {
    const decode = async (data: string) => {
      const bitmap = await createImageBitmap(await (await fetch(`data:image/png;base64,${data}`)).blob());
      const g = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d')!;
      g.drawImage(bitmap, 0, 0);
      return g.getImageData(0, 0, bitmap.width, bitmap.height).data;
    };
    const [x, y] = [await decode(a), await decode(b)];
    const colours = new Set<number>();
    let changed = 0;
    for (let i = 0; i < x.length; i += 4) {
      colours.add(((x[i]! >> 3) << 10) | ((x[i + 1]! >> 3) << 5) | (x[i + 2]! >> 3));
      if (Math.abs(x[i]! - y[i]!) + Math.abs(x[i + 1]! - y[i + 1]!) + Math.abs(x[i + 2]! - y[i + 2]!) > 30) changed++;
    }
    return { colours: [...colours], changed };
  }, [first.toString('base64'), second.toString('base64')] as const);
}

test('the arena is drawn and animated (Canvas and WebGL): many colours, each player in theirs, and frames that differ while nobody moves', async () => {
  const { raw: hostRaw, page: host } = await openPage('host');
  const { raw, page: guest } = await openPage('guest');
  // The host draws with WebGL (asked for), the guest with what the page chose: Canvas, since this
  // Chromium has no GPU and its WebGL is SwiftShader's (renderer.ts).
  await startRound(host, guest, server.url, '/?renderer=webgl');
  expect((await demoState(host)).renderer).toBe('webgl');
  expect((await demoState(guest)).renderer).toBe('canvas');
  // The countdown: nobody can move, so whatever changes between frames is the animation.
  await until(guest, (s) => (s.countdownMs ?? 0) > 1000, 'the countdown is on');
  const first = await raw.screenshot();
  await new Promise((r) => setTimeout(r, 300));
  const second = await raw.screenshot();
  await raw.screenshot({ path: artifactPath('chromium-feel-arena.png') });
  const { colours, changed } = await compareFrames(raw, first, second);
  // A flat field with dots has a handful of colours; sprites, shading and text have hundreds.
  expect(colours.length).toBeGreaterThan(200);
  // Both players' colours are on screen (the host's blue, the guest's pink), and frames move.
  const has = (r: number, g: number, b: number) => colours.some((c) => Math.abs((c >> 10) - (r >> 3)) <= 1 && Math.abs(((c >> 5) & 31) - (g >> 3)) <= 1 && Math.abs((c & 31) - (b >> 3)) <= 1);
  expect(has(0x4c, 0xc9, 0xf0)).toBe(true);
  expect(has(0xf7, 0x25, 0x85)).toBe(true);
  expect(changed).toBeGreaterThan(50);
  // The WebGL page draws the same arena.
  const webgl = await compareFrames(hostRaw, await hostRaw.screenshot(), await hostRaw.screenshot());
  expect(webgl.colours.length).toBeGreaterThan(200);
  await hostRaw.close();
  await raw.close();
}, deadline(60_000));

test('sounds wait for the first gesture and play in a round; a muted player hears none, and mute is remembered after a reload', async () => {
  const { raw: hostRaw, page: host } = await openPage('host');
  const { raw: guestRaw, page: guest } = await openPage('guest');
  await host.goto(server.url);
  await guest.goto(server.url);
  await until(host, (s) => s.scene === 'title', 'the title is up');
  expect((await demoState(host)).sound).toEqual({ muted: false, unlocked: false, played: 0, skipped: 0 });
  await guestRaw.getByRole('button', { name: 'Mute sounds' }).click();
  await guestRaw.reload();
  await until(guest, (s) => s.scene === 'title' && s.sound?.muted === true, 'the guest is still muted after a reload');
  await startRound(host, guest, server.url);
  // 3, 2, 1, GO: four sounds each; the host's play, the muted guest's are skipped.
  const heard = await until(host, (s) => (s.sound?.played ?? 0) >= 4, 'the host heard the countdown', 10_000);
  expect(heard.sound!.unlocked).toBe(true);
  const muted = await until(guest, (s) => (s.sound?.skipped ?? 0) >= 4, 'the guest skipped the countdown', 10_000);
  expect(muted.sound!.played).toBe(0);
  await hostRaw.close();
  await guestRaw.close();
}, deadline(60_000));

test('every named lobby error reads as a sentence in the page: not found, full, locked, server unreachable', async () => {
  const { raw, page } = await openPage('player');
  const toast = () => raw.locator('.toast').textContent();
  const join = async (code: string) => {
    await raw.getByLabel('Room code').fill(code);
    await page.click('Join');
    await raw.locator('.toast').waitFor({ state: 'visible' });
    const text = await toast();
    await raw.evaluate(() => ((document.querySelector('.toast') as HTMLElement).hidden = true));
    return text;
  };
  await page.goto(server.url);
  await until(page, (s) => s.scene === 'title', 'the title is up');
  expect(await join('QQQQQQ')).toBe('There is no room QQQQQQ. Check the code, or ask for a new invite.');

  // A full room and a locked one, made by players in Node.
  const lobby = createLobby({ url: server.url });
  const full = await lobby.create({ name: 'one', maxPlayers: 2 });
  const other = await createLobby({ url: server.url }).join(full.code, { name: 'two' });
  expect(await join(full.code)).toBe(`Room ${full.code} is full.`);
  const locked = await lobby.create({ name: 'host' });
  await locked.setLocked(true);
  expect(await join(locked.code)).toBe(`Room ${locked.code} has started its round and is locked. Try again when it is over.`);
  await Promise.all([full.leave(), other.leave(), locked.leave()]);

  // The lobby goes away under a loaded page.
  const doomed = await startServer(['--static', demoDir], {}, 'info');
  await page.goto(doomed.url);
  await until(page, (s) => s.scene === 'title', 'the title is up on the second server');
  await doomed.stop();
  await page.click('Create room');
  await raw.locator('.toast').waitFor({ state: 'visible' });
  expect(await toast()).toBe('Cannot reach the lobby server. Check your connection, or try again in a moment.');
  await raw.close();
}, deadline(60_000));

test('the room list shows how each player is reached, with the round trip', async () => {
  const { raw: hostRaw, page: host } = await openPage('host');
  const { raw: guestRaw, page: guest } = await openPage('guest');
  await host.goto(server.url);
  await host.click('Create room');
  const { code } = await until(host, (s) => s.scene === 'room' && s.code !== undefined, 'the host is in a room');
  await guest.goto(`${server.url}/?room=${code}`);
  await until(guest, (s) => s.links.some((l) => l.transport === 'p2p'), 'the guest is linked directly');
  const badge = guestRaw.locator('.badge[data-route="direct"]');
  await badge.waitFor({ timeout: 10_000 });
  expect(await badge.textContent()).toMatch(/^direct · \d+ ms$/);
  await hostRaw.close();
  await guestRaw.close();
}, deadline(60_000));

test('a dropped lobby connection shows the reconnecting banner until the page is back in the room', async () => {
  // The page reaches the lobby through a proxy that can drop its connection for real.
  const proxy = await startProxy(Number(new URL(server.url).port));
  try {
    const { raw, page } = await openPage('player');
    await page.goto(proxy.url);
    await page.click('Create room');
    const { code } = await until(page, (s) => s.scene === 'room' && s.code !== undefined, 'the page is in a room');
    // Every text the banner shows, however briefly.
    await raw.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { bannerSeen: string[] }).bannerSeen = seen;
      const banner = document.querySelector('.banner')!;
      new MutationObserver(() => seen.push(banner.textContent ?? '')).observe(banner, { childList: true, characterData: true, subtree: true });
    });
    proxy.cut();
    await raw.waitForFunction(() => (window as unknown as { bannerSeen: string[] }).bannerSeen.includes('Reconnecting to the lobby…'), null, { timeout: deadline(10_000) });
    await until(page, (s) => s.banner === '' && s.code === code, 'the banner is gone and the page is in its room again', 20_000);
    expect((await raw.evaluate(() => (window as unknown as { bannerSeen: string[] }).bannerSeen)).at(-1)).toBe('');
    await raw.close();
  } finally {
    await proxy.close();
  }
}, deadline(60_000));

test('on small screens the debug overlay docks beside or under the arena, never over it', async () => {
  for (const viewport of [{ width: 412, height: 839 }, { width: 800, height: 380 }]) {
    const { raw, page } = await openPage(`${viewport.width}×${viewport.height}`, { viewport, hasTouch: true, isMobile: true });
    await page.goto(server.url);
    await until(page, (s) => s.scene === 'title', 'the title is up');
    await raw.getByTitle('debug overlay', { exact: true }).tap();
    const overlay = raw.locator('#debug');
    await overlay.waitFor({ state: 'visible' });
    // Phaser fits the canvas to the arena's new size on the next frames.
    await raw.waitForFunction(() => {
      const a = document.querySelector('#game > canvas')!.getBoundingClientRect();
      const b = document.querySelector('#debug')!.getBoundingClientRect();
      return a.right <= b.left + 1 || a.bottom <= b.top + 1;
    }, null, { timeout: deadline(5000) });
    const [arena, panel] = [(await raw.locator('#game > canvas').boundingBox())!, (await overlay.boundingBox())!];
    expect(arena.width).toBeGreaterThan(200);
    expect(arena.x + arena.width <= panel.x + 1 || arena.y + arena.height <= panel.y + 1).toBe(true);
    await raw.close();
  }
}, deadline(60_000));

test('a touch-only player on a phone joins by the link, readies, walks with the thumb stick, picks up gems by tapping, and sees the round to its end', async () => {
  const { raw: hostRaw, page: host } = await openPage('host');
  const { raw: phone, page: phonePage } = await openPage('phone', { ...devices['Pixel 7'] });
  await host.goto(`${server.url}/?round=10`);
  await host.click('Create room');
  const { code } = await until(host, (s) => s.scene === 'room' && s.code !== undefined, 'the host is in a room');
  await phonePage.goto(`${server.url}/?room=${code}`);
  await until(phonePage, (s) => s.scene === 'room' && s.members.length === 2, 'the phone is in the room');
  await phone.getByRole('button', { name: 'Ready', exact: true }).tap();
  await until(host, (s) => s.members.some((m) => m.ready), 'the host sees the phone ready');
  await host.click('Start');
  const inRound = await until(phonePage, (s) => s.scene === 'game' && s.countdownMs === 0, 'the round is on', 15_000);
  // The thumb stick under the arena (the phone is held upright): a real touch held to its left walks left.
  const startX = inRound.entities[String(inRound.myEntity)]!.x;
  const pad = (await phone.locator('.stick').boundingBox())!;
  const touch = await phone.context().newCDPSession(phone);
  const at = (x: number) => [{ x: pad.x + pad.width / 2 + x, y: pad.y + pad.height / 2 }];
  await touch.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: at(0) });
  await touch.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: at(-pad.width / 2) });
  await until(phonePage, (s) => (s.entities[String(s.myEntity)]?.x ?? Infinity) < startX - 60, 'the stick walks the phone player left', 10_000);
  await touch.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  const scored = await tapToAGem(phone, phonePage);
  expect(scored.scores[scored.me!]).toBeGreaterThan(0);
  await phone.screenshot({ path: artifactPath('chromium-phone.png') });
  const over = await until(phonePage, (s) => s.scene === 'game-over', 'the phone sees the results', 20_000);
  expect(over.scene).toBe('game-over');
  await hostRaw.close();
  await phone.close();
}, deadline(90_000));

/** Tap the nearest gem (in page coordinates of the scaled canvas) until this player's score goes up. */
async function tapToAGem(raw: Page, page: GamePage, timeoutMs = 20_000): Promise<DemoState> {
  const end = Date.now() + deadline(timeoutMs);
  for (;;) {
    const state = await demoState(page);
    if ((state.scores[state.me!] ?? 0) > 0) return state;
    if (Date.now() > end || state.scene !== 'game') throw new Error(`${page.label}: picked up no gem by tapping (scene ${state.scene})`);
    const me = state.entities[String(state.myEntity)];
    const gems = Object.entries(state.entities).filter(([id]) => Number(id) >= 100).map(([, e]) => e);
    if (me !== undefined && gems.length > 0) {
      const gem = gems.reduce((best, g) => (Math.hypot(g.x - me.x, g.y - me.y) < Math.hypot(best.x - me.x, best.y - me.y) ? g : best));
      const box = (await raw.locator('#game > canvas').boundingBox())!;
      await raw.touchscreen.tap(box.x + (gem.x / 960) * box.width, box.y + (gem.y / 540) * box.height);
    }
    await new Promise((r) => setTimeout(r, 400));
  }
}
