/**
 * TURN over TLS (`turns:` on 5349), with coturn running the deploy guide's deploy/turnserver.conf,
 * in real Chromium inside the network lab. Home 2 lets out nothing but TCP to the lobby's port and to 5349 (no UDP, no TCP
 * 3478), so the only way from there to a friend, other than the lobby relay, is coturn's TLS
 * listener. Chromium checks that listener's certificate like a web page's: one browser in home 2
 * is told to trust coturn's self-signed key (a stand-in for a real certificate), the other is not.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { playwrightPage, type GamePage } from '../helpers/browsers.js';
import { until } from '../helpers/demo.js';
import { buildDemo } from '../helpers/demo-server.js';
import { startServer, type ServerProcess } from '../helpers/lobby-server.js';
import { launchChromiumIn } from '../helpers/netlab/browser.js';
import { startCoturn, TURN_TLS_PORT, type Coturn } from '../helpers/netlab/coturn.js';
import { createLab, labNamespaces, PUBLIC_ADDRESS, type Lab } from '../helpers/netlab/lab.js';
import { makeCertificate } from '../helpers/tls.js';
import { deadline, until as untilTrue } from '../helpers/wait.js';

const SECRET = 'lab-turns-secret';
const dir = mkdtempSync(join(tmpdir(), 'rallypoint-turns-'));
const certificate = makeCertificate(dir, 'coturn', [PUBLIC_ADDRESS]);
/** What certbot hands over 60 days later (trusted too). */
const renewed = makeCertificate(dir, 'renewed', [PUBLIC_ADDRESS]);
let lab: Lab;
let coturn: Coturn;
let server: ServerProcess;
let homeOne: Browser;
let trusting: Browser;
let plain: Browser;
let pages: GamePage[] = [];

beforeAll(async () => {
  lab = createLab([
    { nat: 'cone', hosts: ['a'] },
    { nat: 'cone', hosts: ['b', 'c'] },
  ]);
  coturn = await startCoturn(lab, SECRET, { tls: certificate });
  // As docs/deploy.md's RALLYPOINT_TURN_URLS: UDP for most players, TLS for the rest.
  server = await startServer(['--static', buildDemo(), '--turn-secret', SECRET, '--turn-urls', `${coturn.urls.udp},${coturn.urls.tls}`], {}, 'info', {
    netns: lab.ns('pub'),
    host: lab.publicAddress,
  });
  lab.setHome(2, { tcpPortsOnly: [Number(new URL(server.url).port), TURN_TLS_PORT] });
  [homeOne, trusting, plain] = await Promise.all([
    launchChromiumIn(lab, 'a'),
    launchChromiumIn(lab, 'b', [`--ignore-certificate-errors-spki-list=${certificate.spki},${renewed.spki}`]),
    launchChromiumIn(lab, 'c'),
  ]);
}, deadline(60_000));

afterEach(async () => {
  await Promise.all(pages.map((page) => page.close()));
  pages = [];
});

afterAll(async () => {
  await Promise.all([homeOne, trusting, plain].map((b) => b?.close()));
  await server?.stop();
  await coturn?.stop();
  lab?.close();
  rmSync(dir, { recursive: true, force: true });
  expect(labNamespaces().filter((name) => name.includes(`-${process.pid}-`))).toEqual([]);
});

/** A page in home 1 makes a room; `browser`'s page in home 2 joins it by its invite link. */
async function pair(browser: Browser): Promise<GamePage> {
  const open = async (b: Browser, label: string) => {
    const page = await (await b.newContext()).newPage();
    page.on('pageerror', (error) => console.error(`${label} page error:`, error.message));
    const game = playwrightPage(page, label);
    pages.push(game);
    return game;
  };
  const a = await open(homeOne, 'A');
  await a.goto(server.url);
  await a.click('Create room');
  const { code } = await until(a, (s) => s.scene === 'room' && s.code !== undefined, 'A is in a room');
  const b = await open(browser, 'B');
  await b.goto(`${server.url}/?room=${code}`);
  return b;
}

/** The subject of the certificate coturn's TLS listener hands a new connection now. */
const servedSubject = () => lab.run('pub', 'openssl', ['s_client', '-connect', `${PUBLIC_ADDRESS}:${TURN_TLS_PORT}`], '');

/** TCP connections from home 2 established on coturn's TLS port right now. */
const tlsConnectionsFromHomeTwo = () =>
  lab
    .run('pub', 'ss', ['-H', '-tn', 'state', 'established', `sport = :${TURN_TLS_PORT}`])
    .split('\n')
    .filter((line) => line.includes(`${lab.wanAddress(2)}:`));

test('a page behind a network that lets out only TCP to 5349 and the lobby links with its friend through TURN over TLS', async () => {
  const b = await pair(trusting);
  const state = await until(b, (s) => s.links[0]?.status === 'open' && s.links[0].candidateType === 'relay', 'B links through TURN', 60_000);
  // Nothing else gets out of home 2: TURN over UDP and the direct paths are blocked there.
  expect(state.links[0]?.transport).toBe('turn');
  expect(tlsConnectionsFromHomeTwo().length).toBeGreaterThan(0);

  // Renewal, as the guide's certbot hook does it: new files in place, then SIGUSR2. coturn serves
  // the new certificate to new connections; the link on the old one keeps playing.
  expect(servedSubject()).toContain('rallypoint test coturn');
  copyFileSync(renewed.certFile, certificate.certFile);
  copyFileSync(renewed.keyFile, certificate.keyFile);
  coturn.reloadCertificate();
  await untilTrue(() => servedSubject().includes('rallypoint test renewed'), 'coturn serves the renewed certificate');
  const before = state.links[0]!.stateBytesIn;
  const after = await until(b, (s) => s.links[0]!.stateBytesIn > before, 'B keeps receiving over TURN');
  expect(after.links[0]).toMatchObject({ status: 'open', transport: 'turn', candidateType: 'relay' });
}, 90_000);

test("a certificate Chromium does not trust: it hangs up on coturn's TLS listener, and the friends play on the lobby relay", async () => {
  const logged = coturn.logs.length;
  const b = await pair(plain);
  // coturn logs each TLS connection's end; one from home 2 that never authenticated is Chromium
  // closing the handshake on a certificate it refused.
  const refused = new RegExp(`closed \\(2nd stage\\), user <> .*local ${PUBLIC_ADDRESS}:${TURN_TLS_PORT}, remote ${lab.wanAddress(2).replaceAll('.', '\\.')}:`);
  await untilTrue(() => coturn.logs.slice(logged).some((line) => refused.test(line)), "coturn sees B's TLS connection closed before it authenticated", 60_000);
  const state = await until(b, (s) => s.links[0]?.status === 'open', 'B has an open link', 30_000);
  expect(state.links[0]?.transport).toBe('relay');
  expect(tlsConnectionsFromHomeTwo()).toEqual([]);
}, 90_000);
