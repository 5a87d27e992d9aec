#!/usr/bin/env node
/**
 * `npm run pack`: the six packages as npm tarballs in packs/, from this clone, for a game or a
 * server machine to install until they are on the npm registry. Builds first. The versions move
 * together (every package has the same one, and they depend on each other with ^ ranges), so a
 * set of tarballs from one commit installs together.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'packs');
// Dependencies first: what each package needs is packed before it.
const folders = ['packages/msgpack-guard', 'packages/protocol', 'packages/core', 'packages/sync', 'packages/lobby', 'server'];

execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
rmSync(out, { recursive: true, force: true });
mkdirSync(out);
for (const folder of folders) execFileSync('npm', ['pack', '--silent', '--workspace', folder, '--pack-destination', out], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
const files = readdirSync(out).sort();
const at = (name) => relative(process.cwd(), join(out, files.find((f) => f.startsWith(`rallypoint-${name}-`))));
console.log(`packed ${files.length} packages into ${relative(process.cwd(), out) || '.'}/:\n${files.map((f) => `  ${f}`).join('\n')}`);
console.log(`\nA browser game (the lobby client, with what it needs):\n  npm install ${['lobby', 'core', 'protocol', 'msgpack-guard'].map(at).join(' ')}`);
console.log(`The netcode kit:\n  npm install ${at('sync')}`);
console.log(`The lobby server, where it runs (not in the game):\n  npm install ${['server', 'protocol', 'msgpack-guard'].map(at).join(' ')}`);
