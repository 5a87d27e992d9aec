/**
 * The packages as published: `npm pack` tarballs installed into a scratch project outside the
 * workspace. Their types check the way game projects compile (strict, moduleResolution bundler
 * and node16; browser packages with the DOM lib and without @types/node or skipLibCheck, the
 * server without the DOM lib), they run in Node as ES modules (and through require()), and the
 * installed CLI answers --version and --help.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { PACKAGES, scratchProject, type ScratchProject } from '../helpers/packaging.js';
import { repoRoot } from '../helpers/repo.js';
import { deadline } from '../helpers/wait.js';

let project: ScratchProject;
const tsc = () => join(repoRoot(), 'node_modules/.bin/tsc');
const version = (name: string) => (JSON.parse(readFileSync(join(repoRoot(), 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

beforeAll(async () => {
  project = await scratchProject('packages', PACKAGES, [`@types/node@^20`, `node-datachannel@${version('node-datachannel')}`]);
}, deadline(180_000));

afterAll(() => project?.remove());

/**
 * A bound on one test's tsc runs, against a hang, not a speed check: without skipLibCheck tsc reads
 * every declaration it meets, the DOM lib included. Two runs take about a minute on an idle
 * 2-core machine, and passed 120 s with both cores busy (stress-ng --cpu 2 beside the suite).
 */
const TYPECHECK_DEADLINE_MS = deadline(360_000);

/** Type-checks `files` with these compiler options; resolves with tsc's output (empty when clean). */
function typecheck(name: string, files: Record<string, string>, options: Record<string, unknown>): string {
  for (const [file, content] of Object.entries(files)) project.write(file, content);
  const config = project.write(`tsconfig.${name}.json`, JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', noEmit: true, skipLibCheck: false, ...options }, files: Object.keys(files) }));
  const result = spawnSync(tsc(), ['-p', config], { cwd: project.dir, encoding: 'utf8' });
  return `${result.stdout}${result.stderr}`.trim();
}

const BROWSER_GAME = `
import { createLobby, RemoteRequestError, type Link, type LinkConditions, type RoomSession } from '@rallypoint/lobby';
import { createLink, type LinkStats } from '@rallypoint/core';
import { SyncClient, SyncHost, defineSchema } from '@rallypoint/sync';
import { LobbyErrorCode } from '@rallypoint/protocol';

type Game = { events: { hit: { by: string } }; state: { x: number } };
const lobby = createLobby<Game>({ url: 'https://lobby.example.org' });
export async function play(): Promise<RoomSession<Game>> {
  const session = await lobby.create({ name: 'Ada' });
  session.on('linkOpen', ({ link }: { link: Link<Game> }) => {
    const slow: LinkConditions = { state: { latencyMs: 50 } };
    link.setConditions(slow);
    link.events.emit('hit', { by: session.me.id });
    const stats: LinkStats = link.stats();
    console.log(stats.transport, link.transport);
  });
  return session;
}
export const parts = [createLink, SyncClient, SyncHost, defineSchema, RemoteRequestError, LobbyErrorCode.RoomFull];
`;

test('a browser game type-checks strict against the tarballs: DOM lib, no @types/node, no skipLibCheck, moduleResolution bundler and node16', () => {
  const browser = { lib: ['ES2022', 'DOM'], types: [] };
  expect(typecheck('bundler', { 'game.ts': BROWSER_GAME }, { ...browser, module: 'ESNext', moduleResolution: 'bundler' })).toBe('');
  expect(typecheck('node16', { 'game-node16.ts': BROWSER_GAME }, { ...browser, module: 'node16', moduleResolution: 'node16' })).toBe('');
}, TYPECHECK_DEADLINE_MS);

test("the README's other code blocks compile: examples/snippets, strict, against the tarballs", () => {
  const readme = readFileSync(join(repoRoot(), 'README.md'), 'utf8');
  const files: Record<string, string> = {};
  for (const name of ['connect.ts', 'link.ts', 'lag-compensation.ts']) {
    const source = readFileSync(join(repoRoot(), 'examples/snippets', name), 'utf8');
    const region = /\/\/ #region readme\n([\s\S]*?)\n\/\/ #endregion/.exec(source)?.[1];
    expect(region, name).toBeDefined();
    expect(readme, name).toContain(region!);
    files[`snippet-${name}`] = `${source}\nexport {};\n`;
  }
  expect(typecheck('snippets', files, { lib: ['ES2022', 'DOM'], types: [], module: 'ESNext', moduleResolution: 'bundler' })).toBe('');
}, TYPECHECK_DEADLINE_MS);

test('the server type-checks without the DOM lib', () => {
  const server = `
import { startLobbyServer, parseConfig, type LobbyServer } from '@rallypoint/server';
const config = parseConfig([], process.env, undefined);
if (config === 'help' || config === 'version') throw new Error('not here');
export const started: Promise<LobbyServer> = startLobbyServer({ ...config, port: 0 });
`;
  expect(typecheck('server', { 'server.ts': server }, { lib: ['ES2022'], types: ['node'], module: 'node16', moduleResolution: 'node16' })).toBe('');
}, TYPECHECK_DEADLINE_MS);

test('in Node, as ES modules: the server and two bots from the tarballs; require() works too', () => {
  project.write(
    'bots.mjs',
    `
import { startLobbyServer } from '@rallypoint/server';
import { createLobby } from '@rallypoint/lobby/node';
const server = await startLobbyServer({ port: 0, host: '127.0.0.1', logLevel: 'silent' });
const a = await createLobby({ url: server.url }).create({ name: 'a' });
const heard = new Promise((resolve) => a.on('linkOpen', ({ link }) => link.events.on('hi', resolve)));
const b = await createLobby({ url: server.url }).join(a.code, { name: 'b' });
b.on('linkOpen', ({ link }) => link.events.emit('hi', 'hello from b'));
console.log(await heard);
await Promise.all([a.leave(), b.leave()]);
await server.close();
process.exit(0);
`,
  );
  const out = execFileSync(process.execPath, ['bots.mjs'], { cwd: project.dir, encoding: 'utf8', timeout: deadline(30_000) });
  expect(out.trim()).toBe('hello from b');
  const required = execFileSync(process.execPath, ['-e', "for (const p of ['@rallypoint/core', '@rallypoint/lobby', '@rallypoint/sync', '@rallypoint/protocol', '@rallypoint/server']) console.log(p, Object.keys(require(p)).length > 0)"], {
    cwd: project.dir,
    encoding: 'utf8',
  });
  expect(required.trim().split('\n')).toEqual(['@rallypoint/core true', '@rallypoint/lobby true', '@rallypoint/sync true', '@rallypoint/protocol true', '@rallypoint/server true']);
}, 60_000);

test('npx rallypoint-server from the installed tarball: --version, and --help with every flag, its variable and default', () => {
  const run = (...args: string[]) => execFileSync('npx', ['--no-install', 'rallypoint-server', ...args], { cwd: project.dir, encoding: 'utf8' });
  expect(run('--version').trim()).toBe((JSON.parse(readFileSync(join(repoRoot(), 'server/package.json'), 'utf8')) as { version: string }).version);
  const help = run('--help');
  for (const flag of ['--port', '--host', '--static', '--ice-servers', '--turn-secret', '--relay-bytes-per-second', '--log-level', '--version']) expect(help).toContain(flag);
  expect(help).toContain('RALLYPOINT_RELAY_BYTES_PER_SECOND');
  expect(help).toContain('(default: 2567)');
  // And from the repository: `npm ci` builds (the root's prepare script) and links the binary.
  const fromClone = execFileSync('npx', ['--no-install', 'rallypoint-server', '--version'], { cwd: repoRoot(), encoding: 'utf8' });
  expect(fromClone.trim()).toBe(run('--version').trim());
});

test('the API reports in api/ match the built declarations (npm run api updates them)', () => {
  // npm test built the packages first, which ran scripts/api-check.mjs too: every export documented.
  const result = spawnSync(process.execPath, [join(repoRoot(), 'scripts/api-report.mjs')], { cwd: repoRoot(), encoding: 'utf8' });
  expect(result.stderr.split('\n').filter((line) => line.startsWith('api-report:'))).toEqual([]);
  expect(result.status).toBe(0);
}, 120_000);

test('npm run docs renders the API reference from the doc comments, options with their defaults', () => {
  const out = mkdtempSync(join(tmpdir(), 'rallypoint-docs-'));
  try {
    execFileSync('npx', ['--no-install', 'typedoc', '--out', out], { cwd: repoRoot(), stdio: ['ignore', 'ignore', 'inherit'] });
    const page = (name: string) => readFileSync(join(out, 'interfaces', name), 'utf8').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(page('packages_core_src.LinkInit.html')).toMatch(/relayAfterMs \?: number With a relay[^]*?Default 5000/);
    expect(page('packages_lobby_src.LobbyInit.html')).toMatch(/relay \?: LobbyRelayMode[^]*?Default (?:&#39;|')auto/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 120_000);

test('every package carries a README, a license, types, exports and engines', () => {
  for (const name of PACKAGES) {
    const dir = join(project.dir, 'node_modules/@rallypoint', name);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(readFileSync(join(dir, 'README.md'), 'utf8').length, name).toBeGreaterThan(100);
    expect(readFileSync(join(dir, 'LICENSE'), 'utf8'), name).toContain('MIT License');
    expect(manifest, name).toMatchObject({ license: 'MIT', type: 'module', sideEffects: false, engines: { node: expect.any(String) }, exports: { '.': { types: expect.any(String), import: expect.any(String) } } });
  }
});
