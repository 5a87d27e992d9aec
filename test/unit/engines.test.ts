/**
 * One Node.js version is stated, and everything agrees with it: the root's engines, each
 * package's, the README, and every package the lockfile installs (dev ones too: the suite runs on
 * that Node). A dependency that needs a newer Node fails here, not as an EBADENGINE warning.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { expect, test } from 'vitest';
import { repoRoot } from '../helpers/repo.js';

const read = (path: string) => readFileSync(join(repoRoot(), path), 'utf8');
const json = (path: string) => JSON.parse(read(path)) as { engines?: { node?: string }; workspaces?: string[]; packages?: Record<string, { engines?: { node?: string } | string[] }> };

test('every package, the README and the lockfile agree on the oldest Node.js supported', () => {
  const root = json('package.json');
  const range = root.engines?.node;
  expect(range).toBeDefined();
  const oldest = semver.minVersion(range!)!;
  expect(read('README.md')).toContain(`Needs Node.js ${oldest.major}.${oldest.minor} or newer`);
  for (const workspace of root.workspaces ?? []) expect(json(`${workspace}/package.json`).engines?.node, workspace).toBe(range);
  const needNewer: string[] = [];
  for (const [path, entry] of Object.entries(json('package-lock.json').packages ?? {})) {
    const node = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
    if (node !== undefined && !semver.satisfies(oldest, node)) needNewer.push(`${path}: node ${node}`);
  }
  expect(needNewer).toEqual([]);
});
