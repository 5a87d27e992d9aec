/**
 * Chromium through the lobby's own TLS: the real server serving the demo over https with a
 * self-signed certificate that Chromium is told to accept (by its public key, and only that one);
 * the page is a secure context, creates a room over wss, and a Node player joining by code links
 * with it. See test/integration/lobby-tls.test.ts for the server side.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchChromium, playwrightPage } from '../helpers/browsers.js';
import { until } from '../helpers/demo.js';
import { buildDemo } from '../helpers/demo-server.js';
import { startServer, type ServerProcess } from '../helpers/lobby-server.js';
import { startLocalAgent, stopAgents } from '../helpers/netlab/agents.js';
import { makeCertificate } from '../helpers/tls.js';
import { deadline } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'rallypoint-tls-'));
const certificate = makeCertificate(dir, 'chromium');
let server: ServerProcess;
let browser: Browser;
beforeAll(async () => {
  [server, browser] = await Promise.all([
    startServer(['--static', buildDemo(), '--tls-cert', certificate.certFile, '--tls-key', certificate.keyFile], {}, 'info'),
    launchChromium(undefined, [`--ignore-certificate-errors-spki-list=${certificate.spki}`]),
  ]);
}, deadline(60_000));
afterAll(async () => {
  await stopAgents();
  await browser?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the demo over https: a secure context, a room made over wss, and a Node player who joins by code links with it', async () => {
  const page = await (await browser.newContext()).newPage();
  page.on('pageerror', (error) => console.error('page error:', error.message));
  const game = playwrightPage(page, 'Chromium');
  await game.goto(server.url);
  expect(await page.evaluate(() => [location.protocol, window.isSecureContext])).toEqual(['https:', true]);
  await game.click('Create room');
  const { code } = await until(game, (s) => s.scene === 'room' && s.code !== undefined, 'Chromium is in a room');

  const node = await startLocalAgent('node', { NODE_EXTRA_CA_CERTS: certificate.certFile });
  await node.call('join', { url: server.url, code });
  await until(game, (s) => s.members.length === 2, 'Chromium sees the Node player');
  // A link opens only once each side's hello came across it: traffic both ways, signaled over wss.
  const opened = await node.call<{ transport: string | null }>('waitOpen', { timeoutMs: 20_000 });
  expect(['relay', 'p2p']).toContain(opened.transport);
}, 60_000);
