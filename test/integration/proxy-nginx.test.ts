/**
 * The deploy guide's nginx (deploy/nginx-rallypoint.conf, Debian's nginx) terminating TLS in front
 * of the real lobby, started as the guide says (`--connections-per-address 0 --trust-proxy`).
 * Node players that trust the test certificate join, link and play through it, the first event
 * on the lobby relay (a WebSocket through the proxy); the per-address budgets count each
 * player's own address from X-Forwarded-For, and a player cannot pick another by sending one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
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
const dir = mkdtempSync(join(tmpdir(), 'rallypoint-proxy-'));
const certificate = makeCertificate(dir, 'proxy');
let lobby: ServerProcess;
let nginx: Nginx;
beforeAll(async () => {
  lobby = await startServer(['--connections-per-address', '0', '--trust-proxy', PROXY_FROM, '--matchmake-per-address', String(MATCHMAKE_BUDGET)], {}, 'info');
  nginx = await startNginx({ lobbyPort: lobby.port, certFile: certificate.certFile, keyFile: certificate.keyFile, proxyFrom: PROXY_FROM });
}, deadline(30_000));
afterEach(() => stopAgents());
afterAll(async () => {
  await nginx?.stop();
  await lobby?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const player = (name: string): Promise<Agent> => startLocalAgent(name, { NODE_EXTRA_CA_CERTS: certificate.certFile });

/** A matchmaking request through nginx from `localAddress`, with an X-Forwarded-For of its own if given: the status. */
function matchmake(localAddress: string, forwardedFor?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${nginx.url}/matchmake/joinById/NOSUCHROOM`, { method: 'POST', localAddress, ca: certificate.pem, headers: { 'content-type': 'application/json', ...(forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }) } }, (res) => {
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
  for (let i = 0; i <= MATCHMAKE_BUDGET; i++) statuses.push(await matchmake('127.0.0.4', `203.0.113.${i + 1}`));
  expect(statuses.slice(0, MATCHMAKE_BUDGET).every((s) => s === 200)).toBe(true);
  expect(statuses.at(-1)).toBe(429);
  // Another player, behind the same proxy: a budget of its own.
  expect(await matchmake('127.0.0.5')).toBe(200);
});
