// The players of scripts/deploy-rehearsal.sh: this machine's Chromium, outside the rehearsal VPS,
// plays the demo it serves at https://lobby.example.org (mapped to the VPS's address; Chromium
// accepts the rehearsal certificates by their keys). Usage: node … VPS_IP VPS_PID1.
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const [vpsIp, pid1] = process.argv.slice(2);
const ROOT = '/var/lib/machines/rallypoint-vps';
const LOBBY = 'https://lobby.example.org';

const spki = (name) => {
  const key = new X509Certificate(readFileSync(`${ROOT}/etc/letsencrypt/live/${name}/cert.pem`)).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(key).digest('base64');
};
const vps = (command) => execFileSync('nsenter', ['-t', pid1, '-m', '-p', '-u', '-i', '-n', 'sh', '-c', command], { encoding: 'utf8' });
const host = (command) => execFileSync('sh', ['-c', command], { encoding: 'utf8' });

const browser = await chromium.launch({
  executablePath: process.env.RALLYPOINT_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', `--host-resolver-rules=MAP lobby.example.org ${vpsIp}, MAP turn.example.org ${vpsIp}`, `--ignore-certificate-errors-spki-list=${spki('lobby.example.org')},${spki('turn.example.org')}`],
});

const state = (page) => page.evaluate(() => JSON.parse(JSON.stringify({ scene: globalThis.rallypointDemo?.scene, code: globalThis.rallypointDemo?.code, members: globalThis.rallypointDemo?.members ?? [], links: globalThis.rallypointDemo?.links ?? [] }))).catch(() => ({ scene: 'loading', members: [], links: [] }));
async function until(page, check, what, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = await state(page);
    if (check(s)) return s;
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A makes a room, B follows its invite link; both with `query`. Resolves with both pages once each has an open link. */
async function pair(query, check, what) {
  const [a, b] = await Promise.all([1, 2].map(async () => (await browser.newContext()).newPage()));
  await a.goto(`${LOBBY}/${query}`);
  await a.getByRole('button', { name: 'Create room', exact: true }).click();
  const { code } = await until(a, (s) => s.scene === 'room' && s.code !== undefined, 'A is in a room');
  await b.goto(`${LOBBY}/${query}${query === '' ? '?' : '&'}room=${code}`);
  const states = [];
  for (const page of [a, b]) states.push(await until(page, (s) => s.links.some((l) => l.status === 'open' && check(l)), what));
  console.log(`room ${code}: ${states.map((s, i) => `${'AB'[i]} ${s.links[0].transport}/${s.links[0].candidateType}`).join(', ')}`);
  return { a, b, code };
}

try {
  const direct = await pair('', (l) => l.transport === 'p2p', 'a direct link');
  console.log('ok: two pages from https://lobby.example.org linked directly, signaled over wss through nginx');

  const turn = await pair('?relay=1', (l) => l.candidateType === 'relay', 'a link through TURN');
  console.log("ok: forced TURN: both linked through the VPS's coturn, with the lobby's credentials");
  await Promise.all([turn.a.close(), turn.b.close()]);

  // Only TLS gets to the VPS now, besides the lobby: no UDP, no TCP 3478.
  host(`nft add chain ip rpvps out '{ type filter hook output priority 0; }' && nft add rule ip rpvps out ip daddr ${vpsIp} meta l4proto udp drop && nft add rule ip rpvps out ip daddr ${vpsIp} tcp dport 3478 drop`);
  const tls = await pair('?relay=1', (l) => l.candidateType === 'relay', 'a link through TURN over TLS');
  const onTls = vps("ss -Htn state established '( sport = :5349 )' | wc -l").trim();
  if (Number(onTls) < 1) throw new Error('no connection on 5349: the TURN link did not use TLS');
  console.log(`ok: with only TCP 443 and 5349 reachable, both linked through TURN over TLS (${onTls} TLS connections on coturn)`);
  await Promise.all([tls.a.close(), tls.b.close()]);
  host('nft delete chain ip rpvps out');

  // An upgrade, as step 7 does it: the room and its link survive the restart.
  vps('systemctl restart rallypoint-server');
  await new Promise((r) => setTimeout(r, 5000));
  for (const page of [direct.a, direct.b]) {
    await until(page, (x) => x.code === direct.code && x.members.length === 2 && x.links.some((l) => l.status === 'open'), 'the room is back after the restart', 60_000);
  }
  console.log(`ok: systemctl restart rallypoint-server: room ${direct.code} came back with both players, its link open after it`);
} finally {
  await browser.close();
}
