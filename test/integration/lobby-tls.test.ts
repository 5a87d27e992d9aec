/**
 * The lobby over TLS (`--tls-cert`, `--tls-key`): the real server with a self-signed certificate
 * made here by openssl; Node players that trust it (NODE_EXTRA_CA_CERTS, as a deployment trusts a
 * real CA) create and join a room over https and wss, link and play; SIGHUP swaps the certificate
 * while the room plays on; files that cannot be used stop the server (or a reload) with a sentence
 * that names them. Chromium through TLS is in test/e2e/tls-chromium.test.ts.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';
import { afterAll, afterEach, expect, test } from 'vitest';
import { startServer, type ServerProcess } from '../helpers/lobby-server.js';
import { startLocalAgent, stopAgents, type Agent } from '../helpers/netlab/agents.js';
import { makeCertificate, type Certificate } from '../helpers/tls.js';
import { until } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'rallypoint-tls-'));
const first = makeCertificate(dir, 'first');
const second = makeCertificate(dir, 'second');
/** The files the server is started with; the SIGHUP test writes the second certificate over them. */
const served = { certFile: join(dir, 'served-cert.pem'), keyFile: join(dir, 'served-key.pem') };
/** Both certificates, for the players: whichever one the server serves is trusted. */
const trusted = join(dir, 'trusted.pem');
writeFileSync(trusted, `${first.pem}\n${second.pem}`);

let server: ServerProcess | undefined;
afterEach(async () => {
  await stopAgents();
  await server?.stop();
  server = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function serve(certificate: Certificate): Promise<ServerProcess> {
  copyFileSync(certificate.certFile, served.certFile);
  copyFileSync(certificate.keyFile, served.keyFile);
  return startServer(['--tls-cert', served.certFile, '--tls-key', served.keyFile], {}, 'info');
}

/** A Node player in a process of its own that trusts the test certificates. */
const player = (name: string): Promise<Agent> => startLocalAgent(name, { NODE_EXTRA_CA_CERTS: trusted });

/** The certificate a new TLS connection to the server is shown. */
function servedCertificate(url: string): Promise<PeerCertificate> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ca: [first.pem, second.pem], servername: 'localhost' }, () => {
      resolve(socket.getPeerCertificate());
      socket.end();
    });
    socket.once('error', reject);
  });
}

/** GET over https, trusting the test certificates. */
function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { ca: [first.pem, second.pem] }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .once('error', reject)
      .end();
  });
}

/** Two players in one room over https/wss, linked, with 100 events across. */
async function playAPair(url: string): Promise<{ host: Agent; guest: Agent; code: string }> {
  const [host, guest] = await Promise.all([player('host'), player('guest')]);
  const { code } = await host.call<{ code: string }>('join', { url });
  await guest.call('join', { url, code });
  await Promise.all([host, guest].map((agent) => agent.call('waitOpen', { timeoutMs: 20_000 })));
  await host.call('sendEvents', { count: 100 });
  await expect.poll(() => guest.call('received'), { timeout: 10_000 }).toMatchObject({ count: 100, inOrder: true });
  return { host, guest, code };
}

test('https and wss on one port: two Node players create, join, link and play; the first event comes on the wss relay', async () => {
  server = await serve(first);
  expect(server.url).toMatch(/^https:\/\//);
  const health = await get(`${server.url}/healthz`);
  expect(health.status).toBe(200);
  const { guest } = await playAPair(server.url);
  // Relay first: the host's greeting came through the lobby, over wss.
  expect(await guest.call('firstEvent')).toMatchObject({ transport: 'relay' });
  // Plain http on the TLS port is not served.
  await expect(fetch(server.url.replace('https:', 'http:') + '/healthz')).rejects.toThrow();
});

test('SIGHUP swaps in a renewed certificate for new connections while the room plays on; unusable files keep the old one', async () => {
  server = await serve(first);
  const { host, guest, code } = await playAPair(server.url);
  expect((await servedCertificate(server.url)).fingerprint256).toBe(first.fingerprint256);

  // Broken files: the reload is refused by name, the old certificate stays.
  writeFileSync(served.keyFile, 'not a key');
  server.child.kill('SIGHUP');
  await until(() => server!.logs.some((l) => l.msg === 'TLS reload failed: still serving the certificate read before'), 'the refused reload is logged');
  expect((await servedCertificate(server.url)).fingerprint256).toBe(first.fingerprint256);

  copyFileSync(second.certFile, served.certFile);
  copyFileSync(second.keyFile, served.keyFile);
  server.child.kill('SIGHUP');
  await until(() => server!.logs.some((l) => l.msg === 'TLS certificate reloaded'), 'the reload is logged');
  expect((await servedCertificate(server.url)).fingerprint256).toBe(second.fingerprint256);

  // The room and its link were not touched: more events arrive, the room is still there, and a
  // new look-up (a new connection, the new certificate) finds it.
  await host.call('sendEvents', { count: 100 });
  await expect.poll(() => guest.call('received', { from: 100 }), { timeout: 10_000 }).toMatchObject({ count: 200, inOrder: true, duplicates: 0 });
  expect(JSON.parse((await get(`${server.url}/rooms/${code}`)).body)).toMatchObject({ status: 'full' });
  expect(server.child.exitCode).toBeNull();
});

test('a certificate and key that cannot be used stop the server with a sentence naming them', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--tls-cert', join(dir, 'missing.pem'), '--tls-key', first.keyFile], /cannot read the TLS certificate at .*missing\.pem/],
    [['--tls-cert', first.certFile, '--tls-key', second.keyFile], /the key in .*second-key\.pem is not the key of the certificate in .*first-cert\.pem/],
    [['--tls-cert', first.keyFile, '--tls-key', first.keyFile], /first-key\.pem .*not a PEM certificate and key/],
    [['--tls-cert', first.certFile], /--tls-cert and --tls-key go together/],
  ];
  for (const [args, message] of cases) {
    await expect(startServer(args, {}, 'info')).rejects.toThrow(message);
  }
});
