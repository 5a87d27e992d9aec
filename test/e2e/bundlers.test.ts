/**
 * The packages in a game's own browser build, as a new user makes one: the packed tarballs
 * installed into a scratch project outside the workspace, one tiny page bundled with a plain
 * `esbuild --bundle`, with Vite and with webpack 5, each with no configuration beyond its entry
 * (no polyfills, no aliases). Each page runs in real Chromium, joins a room of the real lobby
 * server and talks to a Node player: events, state and a request each way.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createLobby, type RoomSession } from '@rallypoint/lobby/node';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchChromium } from '../helpers/browsers.js';
import { startServer, type ServerProcess } from '../helpers/lobby-server.js';
import { scratchProject, type ScratchProject } from '../helpers/packaging.js';
import { repoRoot } from '../helpers/repo.js';
import { deadline, until } from '../helpers/wait.js';

type Talk = {
  events: { ping: string; pong: string };
  requests: { add: { request: { a: number; b: number }; response: number } };
  state: { from: string; n: number };
};

/** The page: what a game would write. Results go to `window.result` for the test to read. */
const PAGE = `
import { createLobby } from '@rallypoint/lobby';

const result = { events: [], state: 0, answer: null, errors: [] };
window.result = result;
const code = new URLSearchParams(location.search).get('room');
createLobby({ url: location.origin })
  .join(code, { name: 'page' })
  .then((session) => {
    session.on('error', ({ error }) => result.errors.push(String(error)));
    session.on('linkOpen', ({ link }) => {
      link.events.on('ping', (text) => {
        result.events.push(text);
        link.events.emit('pong', 'pong from the page');
      });
      link.events.handle('add', ({ a, b }) => a + b);
      link.state.onMessage(() => result.state++);
      link.events.request('add', { a: 20, b: 22 }).then((sum) => (result.answer = sum), (error) => result.errors.push(String(error)));
      let n = 0;
      setInterval(() => link.state.send({ from: 'page', n: n++ }), 20);
    });
  })
  .catch((error) => result.errors.push(String(error)));
`;

/** Every script a bundler wrote for the page (Vite names its own). */
function bundleText(name: string): string {
  const dir = join(site(), name);
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.js'))
    .map((file) => readFileSync(join(dir, file), 'utf8'))
    .join('\n');
}

const html = (script: string) => `<!doctype html><meta charset="utf-8"><title>rallypoint bundle</title><script type="module" src="${script}"></script>\n`;

let project: ScratchProject;
let server: ServerProcess;
let browser: Browser;
const sessions: RoomSession<Talk>[] = [];
const site = () => join(project.dir, 'site');

/** The same page, built by each bundler into site/<name>/, with nothing but an entry point. */
const bundlers: Record<string, () => Promise<void>> = {
  esbuild: async () => {
    const esbuild = join(repoRoot(), 'node_modules/.bin/esbuild');
    execFileSync(esbuild, ['page.js', '--bundle', '--format=esm', `--outfile=${join(site(), 'esbuild/page.js')}`, '--log-level=error'], { cwd: project.dir });
    project.write('site/esbuild/index.html', html('page.js'));
  },
  vite: async () => {
    const { build } = await import('vite');
    project.write('vite/index.html', html('../page.js'));
    await build({ root: join(project.dir, 'vite'), base: './', logLevel: 'error', configFile: false, build: { outDir: join(site(), 'vite'), emptyOutDir: true } });
  },
  webpack: async () => {
    const { default: webpack } = await import('webpack');
    await new Promise<void>((resolve, reject) =>
      webpack({ mode: 'production', context: project.dir, entry: './page.js', output: { path: join(site(), 'webpack'), filename: 'page.js' } }, (error, stats) => {
        if (error !== null && error !== undefined) return reject(error);
        if (stats?.hasErrors() === true) return reject(new Error(stats.toString({ all: false, errors: true })));
        resolve();
      }),
    );
    project.write('site/webpack/index.html', html('page.js').replace('type="module" ', ''));
  },
};

beforeAll(async () => {
  project = await scratchProject('bundlers', ['lobby']);
  project.write('page.js', PAGE);
  mkdirSync(site(), { recursive: true });
  for (const build of Object.values(bundlers)) await build();
  server = await startServer(['--static', site()], {}, 'info');
  browser = await launchChromium();
}, deadline(180_000));

afterAll(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.leave()));
  await browser?.close();
  await server?.stop();
  project?.remove();
});

describe('a page bundled with no configuration talks to a Node player', () => {
  for (const name of Object.keys(bundlers)) {
    test(name, async () => {
      expect(bundleText(name)).not.toContain('node-datachannel');
      const host = await createLobby<Talk>({ url: server.url }).create({ name: 'node' });
      sessions.push(host);
      const pongs: string[] = [];
      let stateIn = 0;
      let answer: number | undefined;
      host.on('linkOpen', ({ link }) => {
        link.events.on('pong', (text) => pongs.push(text));
        link.state.onMessage(() => stateIn++);
        link.events.handle('add', ({ a, b }) => a + b);
        link.events.emit('ping', `ping for ${name}`);
        link.state.send({ from: 'node', n: 0 });
        void link.events.request('add', { a: 1, b: 2 }).then((sum) => (answer = sum));
      });
      const page = await browser.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(`${server.url}/${name}/?room=${host.code}`);
      const read = () => page.evaluate(() => (window as unknown as { result: { events: string[]; state: number; answer: number | null; errors: string[] } }).result);
      await expect.poll(read, { timeout: 20_000 }).toMatchObject({ events: [`ping for ${name}`], answer: 42, errors: [] });
      await until(() => pongs.length === 1 && stateIn > 0 && answer === 3, 'the Node player heard the page');
      const keepSending = setInterval(() => host.sendState({ from: 'node', n: 1 }), 20);
      await expect.poll(async () => (await read()).state, { timeout: 10_000 }).toBeGreaterThan(0);
      clearInterval(keepSending);
      expect(pageErrors).toEqual([]);
      await page.close();
      await host.leave();
    }, 60_000);
  }
});

test('a page that makes no connection leaves the connection code out of its bundle (tree-shaking)', () => {
  project.write('errors-only.js', "import { LinkClosedError } from '@rallypoint/lobby';\nconsole.log(new LinkClosedError().name);\n");
  const esbuild = join(repoRoot(), 'node_modules/.bin/esbuild');
  const out = join(project.dir, 'errors-only.out.js');
  execFileSync(esbuild, ['errors-only.js', '--bundle', '--minify', '--format=esm', `--outfile=${out}`, '--log-level=error'], { cwd: project.dir });
  // A message of the connection's own (paths/rtc-peer.ts): in every page above, not in this one.
  const marker = 'not a signal this connection takes';
  expect(bundleText('esbuild')).toContain(marker);
  expect(readFileSync(out, 'utf8')).not.toContain(marker);
});

test('the scratch project resolved everything from its own node_modules', () => {
  expect(existsSync(join(project.dir, 'node_modules/@rallypoint/lobby/dist/index.js'))).toBe(true);
  expect(existsSync(join(project.dir, 'node_modules/@rallypoint/core/dist/browser/index.js'))).toBe(true);
});

test("every bundler took the lobby's browser build: colyseus.js as a page needs it (colyseus-lite.mjs), not its CommonJS build", () => {
  for (const name of Object.keys(bundlers)) {
    // The lite build's own refusal of Schema state; colyseus.js' CommonJS build brings tslib's helpers.
    expect(bundleText(name)).toContain('sends Colyseus Schema state');
    expect(bundleText(name)).not.toContain('__awaiter');
  }
});
