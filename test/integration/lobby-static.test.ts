/**
 * `--static` in a game developer's loop: edit or rebuild a file while the server runs, reload,
 * and the page gets the new bytes (it used to keep the size read at start and send the new file
 * cut to the old length); files added later are served; hidden files never are.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startServer, type ServerProcess } from '../helpers/lobby-server.js';

const dir = mkdtempSync(join(tmpdir(), 'rallypoint-static-'));
let server: ServerProcess;
beforeAll(async () => {
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>my game</title><script src="game.js"></script>');
  writeFileSync(join(dir, 'game.js'), 'console.log("build 1");\n');
  server = await startServer(['--static', dir]);
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** GET with the path exactly as written (fetch would normalise dots and escapes). */
function rawGet(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    }).on('error', reject);
  });
}

test('a rebuilt file is served whole, as it is now, and a browser revalidating gets 304 only while it is unchanged', async () => {
  const first = await rawGet('/game.js');
  expect(first.body).toBe('console.log("build 1");\n');
  expect(first.headers['cache-control']).toBe('no-cache');
  const etag = first.headers.etag as string;
  expect((await rawGet('/game.js', { 'if-none-match': etag })).status).toBe(304);

  // The rebuild: longer, and then shorter, than what was served.
  for (const build of [`console.log("build 2 ${'x'.repeat(5000)}");\n`, 'console.log(3);\n']) {
    writeFileSync(join(dir, 'game.js'), build);
    const now = await rawGet('/game.js', { 'if-none-match': etag });
    expect(now.status).toBe(200);
    expect(now.body).toBe(build);
    expect(Number(now.headers['content-length'])).toBe(Buffer.byteLength(build));
  }
});

test('a file added after the server started is served', async () => {
  writeFileSync(join(dir, 'level-2.json'), '{"gems":12}');
  expect(await rawGet('/level-2.json')).toMatchObject({ status: 200, body: '{"gems":12}' });
});

test('hidden files and folders are never served, however the path is written; /.well-known/ is', async () => {
  writeFileSync(join(dir, '.env'), 'SECRET=hunter2');
  mkdirSync(join(dir, '.git'), { recursive: true });
  writeFileSync(join(dir, '.git', 'config'), '[core] secret');
  mkdirSync(join(dir, '.well-known'), { recursive: true });
  writeFileSync(join(dir, '.well-known', 'security.txt'), 'Contact: mailto:security@example.org');
  for (const path of ['/.env', '/%2eenv', '/%2Eenv', '/.git/config', '/%2egit/config', '/sub/../.env']) {
    const { status, body } = await rawGet(path);
    expect(body, path).not.toContain('secret');
    expect(body, path).not.toContain('hunter2');
    expect(status, path).toBe(404);
  }
  expect(await rawGet('/.well-known/security.txt')).toMatchObject({ status: 200, body: 'Contact: mailto:security@example.org' });
});
