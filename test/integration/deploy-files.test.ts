/**
 * The deploy guide's files (docs/deploy.md): the systemd unit passes systemd's own check and
 * starts what the server package installs; the files the guide names exist; coturn's file has no
 * comment where coturn would read it as part of a value. (Its nginx configuration runs in front
 * of the real server in proxy-nginx.test.ts, its coturn file in e2e/netlab-turns-chromium.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { repoRoot } from '../helpers/repo.js';

const root = repoRoot();

test('the systemd unit passes systemd-analyze verify without a word, and runs the packaged CLI', () => {
  const unit = join(root, 'deploy/rallypoint-server.service');
  const result = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
  expect(result.error).toBeUndefined();
  // systemd ignores an unknown key or a misspelt system-call group with a warning and exit 0: any output is a fault.
  expect(`${result.stdout}${result.stderr}`.trim()).toBe('');
  expect(result.status).toBe(0);
  const { bin } = JSON.parse(readFileSync(join(root, 'server/package.json'), 'utf8')) as { bin: Record<string, string> };
  const execStart = /^ExecStart=\S+ (\S+)$/m.exec(readFileSync(unit, 'utf8'))?.[1];
  expect(execStart).toBe(`/opt/rallypoint/node_modules/@rallypoint/server/${bin['rallypoint-server']!.replace(/^\.\//, '')}`);
});

test('every file the deploy guide names is in the repository', () => {
  const guide = readFileSync(join(root, 'docs/deploy.md'), 'utf8');
  const named = [...new Set(guide.match(/(?:deploy|test\/integration|test\/e2e)\/[\w.-]+\.(?:conf|service|ts)/g) ?? [])];
  expect(named.length).toBeGreaterThanOrEqual(5);
  for (const file of named) expect(existsSync(join(root, file)), file).toBe(true);
});

test("coturn's file keeps its comments on lines of their own (coturn reads a comment after a value as part of it)", () => {
  const lines = readFileSync(join(root, 'deploy/turnserver.conf'), 'utf8').split('\n');
  const settings = lines.filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
  expect(settings.length).toBeGreaterThan(10);
  expect(settings.filter((line) => line.includes('#') || /\s$/.test(line))).toEqual([]);
});
