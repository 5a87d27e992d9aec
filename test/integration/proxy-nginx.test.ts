/**
 * The deploy guide's nginx (deploy/nginx-rallypoint.conf, Debian's nginx) terminating TLS in front
 * of the real lobby, started as the guide says (`--connections-per-address 0 --trust-proxy`).
 * Node players that trust the test certificate join, link and play through it, the first event
 * on the lobby relay (a WebSocket through the proxy); the per-address budgets count each
 * player's own address from X-Forwarded-For, and a player cannot pick another by sending one.
 * The lobby's own pages, on the proxy's port, stay its own origin; the plain-http side answers
 * Let's Encrypt's challenges and sends everything else to https.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { startServer, type ServerProcess } from '../helpers/lobby-server.js';
import { startNginx, type Nginx } from '../helpers/nginx.js';
import { startLocalAgent, stopAgents, type Agent } from '../helpers/netlab/agents.js';
import { makeCertificate } from '../helpers/tls.js';
import { deadline } from '../helpers/wait.js';

/** nginx reaches the lobby from this address (proxy_bind); players come from other loopback ones. */
const PROXY_FROM = '127.0.0.2';
const MATCHMAKE_BUDGET = 4;
/** The one other origin whose pages may use the lobby. */
const GAME_ORIGIN = 'https://game.example.org';
const dir = mkdtempSync(join(tmpdir(), 'rallypoint-proxy-'));
const certificate = makeCertificate(dir, 'proxy');
let lobby: ServerProcess;
let nginx: Nginx;
beforeAll(async () => {
  lobby = await startServer(['--connections-per-address', '0', '--trust-proxy', PROXY_FROM, '--matchmake-per-address', String(MATCHMAKE_BUDGET), '--allow-origins', GAME_ORIGIN], {}, 'info');
  nginx = await startNginx({ lobbyPort: lobby.port, certFile: certificate.certFile, keyFile: certificate.keyFile, proxyFrom: PROXY_FROM });
}, deadline(30_000));
afterEach(() => stopAgents());
afterAll(async () => {
  await nginx?.stop();
  await lobby?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const player = (name: string): Promise<Agent> => startLocalAgent(name, { NODE_EXTRA_CA_CERTS: certificate.certFile });

/** A matchmaking request through nginx from `localAddress`, with these extra headers: the status. */
function matchmake(localAddress: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${nginx.url}/matchmake/joinById/NOSUCHROOM`, { method: 'POST', localAddress, ca: certificate.pem, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      res.resume().once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end('{}');
  });
}

test('through the proxy: two players create, join, link and play; the first event on the relay, a WebSocket through nginx', async () => {
  const [host, guest] = await Promise.all([player('host'), player('guest')]);
  const { code } = await host.call<{ code: string }>('join', { url: nginx.url });
  await guest.call('join', { url: nginx.url, code });
  await Promise.all([host, guest].map((agent) => agent.call('waitOpen', { timeoutMs: 20_000 })));
  expect(await guest.call('firstEvent')).toMatchObject({ transport: 'relay' });
  await host.call('sendEvents', { count: 100 });
  await expect.poll(() => guest.call('received'), { timeout: 10_000 }).toMatchObject({ count: 100, inOrder: true });
  // The lobby behind it holds the room: two of two, full.
  expect(await (await fetch(`${lobby.url}/rooms/${code}`)).json()).toMatchObject({ status: 'full' });
}, deadline(60_000));

test("the per-address budget counts each player's own address, which a forged X-Forwarded-For does not change", async () => {
  const statuses: number[] = [];
  // One player, who sends a different forged address with each request.
  for (let i = 0; i <= MATCHMAKE_BUDGET; i++) statuses.push(await matchmake('127.0.0.4', { 'x-forwarded-for': `203.0.113.${i + 1}` }));
  expect(statuses.slice(0, MATCHMAKE_BUDGET).every((s) => s === 200)).toBe(true);
  expect(statuses.at(-1)).toBe(429);
  // Another player, behind the same proxy: a budget of its own.
  expect(await matchmake('127.0.0.5')).toBe(200);
});

test("pages the lobby serves, reached through the proxy on any port, are the lobby's own origin; the listed game's may come too, others get 403", async () => {
  expect(await matchmake('127.0.0.6', { origin: nginx.url })).toBe(200);
  expect(await matchmake('127.0.0.6', { origin: GAME_ORIGIN })).toBe(200);
  expect(await matchmake('127.0.0.7', { origin: 'https://elsewhere.example.org' })).toBe(403);
});

/** A plain-http GET to nginx's port-80 side, as Let's Encrypt or a browser would send for `host`. */
function plainGet(path: string, host: string): Promise<{ status: number; location: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    get(`${nginx.httpUrl}${path}`, { headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }));
    }).once('error', reject);
  });
}

test("plain http answers Let's Encrypt's challenges for any of the server's names (certbot --webroot) and sends the rest to https", async () => {
  const challenges = join(nginx.webroot, '.well-known/acme-challenge');
  mkdirSync(challenges, { recursive: true });
  writeFileSync(join(challenges, 'token-1'), 'token-1.key-authorization');
  for (const host of ['lobby.example.org', 'turn.example.org']) {
    expect(await plainGet('/.well-known/acme-challenge/token-1', host)).toMatchObject({ status: 200, body: 'token-1.key-authorization' });
  }
  expect(await plainGet('/?room=ABCD', 'lobby.example.org')).toMatchObject({ status: 301, location: 'https://lobby.example.org/?room=ABCD' });
});
