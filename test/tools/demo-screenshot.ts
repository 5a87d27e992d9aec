/**
 * `npm run screenshot`: the README's picture of the demo, taken from the real game. Two Chromium
 * pages play a round against the real lobby server; once both have picked up a gem and are on
 * the move, the guest's page is saved as demo-game/screenshot.png. `--out=DIR` writes it
 * elsewhere.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { launchChromium, playwrightPage } from '../helpers/browsers.js';
import { chaseGems, collectAGem, demoState, startRound, until, type DemoState } from '../helpers/demo.js';
import { startDemoServer } from '../helpers/demo-server.js';
import { repoRoot } from '../helpers/repo.js';

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = values.out ?? join(repoRoot(), 'demo-game');
const server = await startDemoServer();
const browser = await launchChromium();
try {
  // Players with names, as the title screen would have remembered them.
  const open = async (label: string, name: string) => {
    const context = await browser.newContext({ viewport: { width: 960, height: 540 }, deviceScaleFactor: 1 });
    await context.addInitScript((n) => localStorage.setItem('rallypoint-demo-name', n), name);
    return playwrightPage(await context.newPage(), label);
  };
  const [a, b] = [await open('host', 'Ada'), await open('guest', 'Grace')];
  await startRound(a, b, server.url);
  await until(b, (s) => s.countdownMs === 0, 'the round has started', 10_000);
  await Promise.all([collectAGem(a), collectAGem(b)]);
  // A few seconds in (the GO! gone), both on the move, right after a pickup (sparks and a score pop).
  await new Promise((r) => setTimeout(r, 1500));
  const scores = (s: DemoState) => Object.values(s.scores).reduce((x, y) => x + y, 0);
  const before = scores(await demoState(b));
  await Promise.all([chaseGems(a, (s) => scores(s) > before, Date.now() + 15_000), chaseGems(b, (s) => scores(s) > before, Date.now() + 15_000)]);
  await b.screenshot(join(out, 'screenshot.png'));
  console.log(`saved ${join(out, 'screenshot.png')}`);
} finally {
  await browser.close();
  await server.stop();
}
