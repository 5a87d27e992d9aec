/**
 * The examples, run the way the README's "Use it in your game" tells a new user to, in a scratch
 * project with the four tarballs it names (packed once by the suite, as `npm run pack` does),
 * bundle examples/dots with `npx esbuild`, serve the folder with the clone's server (what
 * `npm start -- --static DIR` runs once built: `npm test` has built it), open it in two Chromium pages (the second by the invite
 * link), and send in the headless bot of examples/bot. Every player sees every other's dot move.
 * The README's code blocks are these files, word for word.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchChromium } from '../helpers/browsers.js';
import { scratchProject, type ScratchProject } from '../helpers/packaging.js';
import { repoRoot } from '../helpers/repo.js';
import { deadline } from '../helpers/wait.js';

const example = (path: string) => readFileSync(join(repoRoot(), 'examples', path), 'utf8');
/** The README's steps; the test runs these (with the tarballs for the package names). */
const STEPS = {
  pack: 'npm --prefix ../rallypoint install && npm --prefix ../rallypoint run pack',
  install: 'npm install ../rallypoint/packs/rallypoint-{lobby,core,protocol,msgpack-guard}-*.tgz esbuild',
  bundle: 'npx esbuild main.js --bundle --format=esm --outfile=dist/main.js',
  serve: 'npm --prefix ../rallypoint start -- --static "$PWD"',
};
const version = (name: string) => (JSON.parse(readFileSync(join(repoRoot(), 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

let project: ScratchProject;
let server: ChildProcess | undefined;
let bot: ChildProcess | undefined;
let browser: Browser;
let url = '';

/** The clone's server (`npm start`'s `node server/dist/cli.js`) from the scratch project; resolves with the URL it prints. */
function startCloneServer(args: string[]): Promise<string> {
  // Its own process group, so that it and anything it starts go at the end.
  server = spawn(process.execPath, [join(repoRoot(), 'server/dist/cli.js'), ...args], { cwd: project.dir, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('rallypoint-server did not start')), deadline(20_000));
    createInterface({ input: server!.stdout! }).on('line', (line) => {
      const match = /^rallypoint-server listening on (\S+)/.exec(line);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
}

beforeAll(async () => {
  project = await scratchProject('examples', ['lobby'], [`esbuild@${version('esbuild')}`, `node-datachannel@${version('node-datachannel')}`]);
  for (const file of ['dots/index.html', 'dots/main.js', 'bot/bot.mjs']) project.write(file.replace(/^dots\//, ''), example(file));
  const [, ...bundle] = STEPS.bundle.split(' ');
  execFileSync('npx', ['--no-install', ...bundle, '--log-level=warning'], { cwd: project.dir, stdio: 'inherit' });
  // `--static "$PWD"`: the game folder; a free port and loopback only, for the test.
  url = await startCloneServer(['--static', project.dir, '--port', '0', '--host', '127.0.0.1', '--log-level', 'warn']);
  browser = await launchChromium();
}, deadline(180_000));

afterAll(async () => {
  bot?.kill('SIGTERM');
  await browser?.close();
  if (server?.pid !== undefined && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    process.kill(-server.pid, 'SIGTERM');
    await exited;
  }
  project?.remove();
});

type Dots = { session: { code: string; inviteLink: string; me: { id: string } }; me: { x: number; y: number }; others: Map<string, { x: number; y: number }> };

test('two pages and a bot play dots through the lobby, from the README steps', async () => {
  const a = await browser.newPage();
  const errors: string[] = [];
  a.on('pageerror', (error) => errors.push(error.message));
  await a.goto(`${url}/`);
  await expect.poll(() => a.evaluate(() => (window as unknown as { dots?: Dots }).dots?.session.code ?? null), { timeout: 15_000 }).not.toBeNull();
  const invite = await a.evaluate(() => (window as unknown as { dots: Dots }).dots.session.inviteLink);
  expect(await a.locator('#status').textContent()).toContain(invite);

  const b = await browser.newPage();
  b.on('pageerror', (error) => errors.push(error.message));
  await b.goto(invite);
  const seen = (page: Page) => page.evaluate(() => (window as unknown as { dots?: Dots }).dots?.others.size ?? 0);
  await expect.poll(() => seen(a), { timeout: 20_000 }).toBe(1);
  await expect.poll(() => seen(b), { timeout: 20_000 }).toBe(1);

  // A moves right; B sees A's dot go right.
  const aId = await a.evaluate(() => (window as unknown as { dots: Dots }).dots.session.me.id);
  const before = await b.evaluate((id) => (window as unknown as { dots: Dots }).dots.others.get(id)!.x, aId);
  await a.keyboard.down('ArrowRight');
  await expect.poll(() => b.evaluate((id) => (window as unknown as { dots: Dots }).dots.others.get(id)!.x, aId), { timeout: 10_000 }).toBeGreaterThan(before + 20);
  await a.keyboard.up('ArrowRight');

  // The bot joins by code; both pages see its dot circling.
  const code = await a.evaluate(() => (window as unknown as { dots: Dots }).dots.session.code);
  bot = spawn(process.execPath, ['bot/bot.mjs', url, code], { cwd: project.dir, stdio: ['ignore', 'pipe', 'inherit'] });
  const botId = await new Promise<string>((resolve, reject) => {
    bot!.once('exit', (code) => reject(new Error(`the bot exited with ${code}`)));
    createInterface({ input: bot!.stdout! }).on('line', (line) => {
      const match = /as (\S+)$/.exec(line);
      if (match !== null) resolve(match[1]!);
    });
  });
  for (const page of [a, b]) {
    await expect.poll(() => page.evaluate((id) => (window as unknown as { dots: Dots }).dots.others.get(id)?.x ?? null, botId), { timeout: 20_000 }).not.toBeNull();
    const first = await page.evaluate((id) => (window as unknown as { dots: Dots }).dots.others.get(id)!.y, botId);
    await expect.poll(() => page.evaluate((id) => (window as unknown as { dots: Dots }).dots.others.get(id)!.y, botId), { timeout: 5000 }).not.toBe(first);
  }
  expect(errors).toEqual([]);
}, 90_000);

test("the README's code blocks are the examples, word for word", () => {
  const readme = readFileSync(join(repoRoot(), 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use it in your game'), readme.indexOf('\n## ', readme.indexOf('## Use it in your game') + 5));
  expect(section).toContain(example('dots/main.js').trim());
  for (const step of Object.values(STEPS)) expect(section).toContain(step);
  // "At most a screen long": the prose, commands and the page's code together.
  expect(section.split('\n').length).toBeLessThanOrEqual(70);
});
