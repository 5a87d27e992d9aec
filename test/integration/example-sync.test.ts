/**
 * examples/sync, as a user would take it: its three files copied into a scratch project with the
 * packed tarballs, compiled with tsc --strict, and played in Node through the real lobby server:
 * the host plays too (its own input), a player learns its entity id from the welcome event and
 * predicts its avatar, a second player joins mid-game and sees everyone, and when the first
 * leaves its avatar goes from the host's world and from the second player's view. The README's
 * code blocks are these files, word for word.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { scratchProject, type ScratchProject } from '../helpers/packaging.js';
import { repoRoot } from '../helpers/repo.js';
import { deadline } from '../helpers/wait.js';

const FILES = ['shared.ts', 'host.ts', 'client.ts'];
const example = (file: string) => readFileSync(join(repoRoot(), 'examples/sync', file), 'utf8');
const version = (name: string) => (JSON.parse(readFileSync(join(repoRoot(), 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

/** The game played: written beside the example's files, compiled with them. */
const SCENARIO = `
import { createLobby } from '@rallypoint/lobby/node';
import { startLobbyServer } from '@rallypoint/server';
import { joinGame } from './client.js';
import { hostGame } from './host.js';
import { TICK_MS, spawn, type Game } from './shared.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 15_000;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out: ' + what);
    await sleep(20);
  }
  console.error('done: ' + what); // where it stood, should the test's deadline end it
}
const server = await startLobbyServer({ port: 0, host: '127.0.0.1', logLevel: 'silent' });
const lobby = () => createLobby<Game>({ url: server.url });
const hostSession = await lobby().create({ name: 'host', maxPlayers: 4 });
const game = hostGame(hostSession);
const aSession = await lobby().join(hostSession.code, { name: 'a' });
const a = await joinGame(aSession);
const ticks = setInterval(() => {
  game.input({ dx: 1, dy: 0 }); // the host walks right
  a.input({ dx: 0, dy: 1 }); // a walks down
}, TICK_MS);
await until(() => (game.world().get(a.entityId)?.y ?? 0) > spawn(a.entityId).y + 20, 'the host applied a\\'s inputs');
await until(() => (game.world().get(game.myEntityId)?.x ?? 0) > spawn(game.myEntityId).x + 20, 'the host applied its own input');
await until(() => (a.frame().me?.y ?? 0) > spawn(a.entityId).y + 20, 'a predicted its own avatar');

// A second player, mid-game: sees the host and a.
const bSession = await lobby().join(hostSession.code, { name: 'b' });
const b = await joinGame(bSession);
await until(() => b.frame().entities.has(game.myEntityId) && b.frame().entities.has(a.entityId), 'b sees the host and a');
const hostX = b.frame().entities.get(game.myEntityId)!.x;
await until(() => b.frame().entities.get(game.myEntityId)!.x > hostX + 5, 'b sees the host move');

// a leaves: its avatar goes, for the host and for b.
a.stop();
await aSession.leave();
await until(() => !game.world().has(a.entityId), 'the host dropped a\\'s avatar');
await until(() => !b.frame().entities.has(a.entityId), 'b no longer sees a');
clearInterval(ticks);
console.log(JSON.stringify({ entities: [game.myEntityId, a.entityId, b.entityId], left: [...game.world().keys()] }));
b.stop();
game.stop();
await Promise.all([bSession.leave(), hostSession.leave()]);
await server.close();
process.exit(0);
`;

let project: ScratchProject;

beforeAll(async () => {
  project = await scratchProject('sync', ['lobby', 'sync', 'server'], [`node-datachannel@${version('node-datachannel')}`, '@types/node@^20']);
  for (const file of FILES) project.write(file, example(file));
  project.write('scenario.ts', SCENARIO);
}, deadline(180_000));

afterAll(() => project?.remove());

test('the sync example compiles with --strict against the tarballs and plays: host input, entity ids, a join and a leave mid-game', () => {
  const config = project.write(
    'tsconfig.json',
    JSON.stringify({
      compilerOptions: { strict: true, target: 'ES2022', module: 'node16', moduleResolution: 'node16', lib: ['ES2022', 'DOM'], types: ['node'], outDir: 'build', skipLibCheck: false },
      files: [...FILES, 'scenario.ts'],
    }),
  );
  const tsc = join(repoRoot(), 'node_modules/.bin/tsc');
  const compiled = (() => {
    try {
      return execFileSync(tsc, ['-p', config], { cwd: project.dir, encoding: 'utf8' });
    } catch (error) {
      return String((error as { stdout?: string }).stdout ?? error);
    }
  })();
  expect(compiled.trim()).toBe('');
  // Each step of the game has 15 s; the whole has 120 s (it takes about 5 s on an idle machine).
  const run = spawnSync(process.execPath, ['build/scenario.js'], { cwd: project.dir, encoding: 'utf8', timeout: deadline(120_000) });
  if (run.status !== 0) throw new Error(`the scenario ${run.error === undefined ? `exited with ${String(run.status ?? run.signal)}` : `failed: ${run.error.message}`}; its stderr:\n${run.stderr}`);
  const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { entities: number[]; left: number[] };
  expect(new Set(result.entities).size).toBe(3); // one entity each
  expect(result.left.sort()).toEqual([result.entities[0], result.entities[2]].sort());
}, deadline(200_000));

test("the README's sync code blocks are the example's files, word for word", () => {
  const readme = readFileSync(join(repoRoot(), 'README.md'), 'utf8');
  for (const file of FILES) expect(readme, file).toContain(example(file).trim());
});
