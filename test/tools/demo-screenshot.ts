/**
 * `npm run screenshot`: the README's picture of the demo, taken from the real game. Two Chromium
 * pages play a round against the real lobby server; once both have picked up a gem and are on
 * the move, the guest's page is saved as demo-game/screenshot.png. `--out=DIR` writes it
 * elsewhere.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { launchChromium, playwrightPage } from '../helpers/browsers.js';
import { collectAGem, startRound, until } from '../helpers/demo.js';
import { startDemoServer } from '../helpers/demo-server.js';
import { repoRoot } from '../helpers/repo.js';

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = values.out ?? join(repoRoot(), 'demo-game');
const server = await startDemoServer();
const browser = await launchChromium();
try {
  const open = async (label: string) => playwrightPage(await (await browser.newContext({ viewport: { width: 960, height: 540 }, deviceScaleFactor: 1 })).newPage(), label);
  const [a, b] = [await open('host'), await open('guest')];
  await startRound(a, b, server.url);
  await until(b, (s) => s.countdownMs === 0, 'the round has started', 10_000);
  await Promise.all([collectAGem(a), collectAGem(b)]);
  // Both on the move when the pictures are taken.
  await Promise.all([a.keyDown('ArrowRight'), b.keyDown('ArrowUp')]);
  await new Promise((r) => setTimeout(r, 250));
  await b.screenshot(join(out, 'screenshot.png'));
  console.log(`saved ${join(out, 'screenshot.png')}`);
} finally {
  await browser.close();
  await server.stop();
}
