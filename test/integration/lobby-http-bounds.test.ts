/**
 * What the lobby's HTTP side reads and tells, on the real server: request bodies bounded on every
 * route (413 at once, the rest never read, memory flat), slow bodies timed out, stray WebSocket
 * upgrades answered with one warning line, `/rooms/CODE` without a blanket CORS header, and
 * `/metrics` behind a token or on an address of its own.
 */
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Client, type Room } from 'colyseus.js';
import { LobbyErrorCode, LobbyLimits, RoomName } from '@rallypoint/protocol';
import { expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { startServer, type ServerProcess } from '../helpers/lobby-server.js';
import { startPingPong } from '../helpers/ping-pong.js';
import { rawMember } from '../helpers/raw-member.js';
import { rawBodyRequest, requestHead } from '../helpers/raw-http.js';
import { serverForFile } from '../helpers/server-per-file.js';
import { deadline, until } from '../helpers/wait.js';

const server = serverForFile(['--restore-claim-seconds', '3']);
const member = (join: (client: Client) => Promise<Room>) => rawMember(server().url, join);
const MiB = 1024 * 1024;

/** The server process's resident memory, in bytes. */
function rssOf(process: ServerProcess): number {
  const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${process.child.pid}/status`, 'utf8'))?.[1];
  return Number(kib) * 1024;
}

test('64 MiB and 256 MiB bodies to every matchmaking route and to /rooms/CODE get 413 unread; memory stays flat; signals go on', async () => {
  const host = await member((client) => client.create(RoomName.Game, { name: 'H', maxPlayers: 4 }));
  const guest = await member((client) => client.joinById(host.welcome.code, { name: 'G' }));
  const pingPong = startPingPong(host, guest);
  const code = host.welcome.code;
  const targets = ['/matchmake/create/game', '/matchmake/joinOrCreate/game', '/matchmake/join/game', `/matchmake/joinById/${code}`, `/matchmake/reconnect/${code}`, `/rooms/${code}`, '/healthz'];
  const rssBefore = rssOf(server());
  let mostSent = 0;
  for (const target of targets) {
    for (const size of [64 * MiB, 256 * MiB]) {
      for (const chunked of [false, true]) {
        const method = target.startsWith('/matchmake') ? 'POST' : 'GET';
        const reply = await rawBodyRequest(server().port, requestHead(`${method} ${target} HTTP/1.1`, { 'Content-Type': 'application/json' }), size, { chunked });
        const what = `${method} ${target}, ${size / MiB} MiB${chunked ? ' chunked' : ''}`;
        // Declared too big: answered before a byte is read. Chunked: as soon as the bound is
        // passed (what the sockets buffer on the way is all that was sent).
        expect(reply.status, what).toBe(413);
        expect(reply.bytesSent, `${what}: body bytes sent before the answer`).toBeLessThan(16 * MiB);
        mostSent = Math.max(mostSent, reply.bytesSent);
      }
    }
  }
  const growth = rssOf(server()) - rssBefore;
  console.log(`lobby-http-bounds: server RSS grew ${(growth / MiB).toFixed(1)} MiB over ${targets.length * 4} oversized bodies; at most ${(mostSent / MiB).toFixed(1)} MiB of one was sent before its 413`);
  expect(growth).toBeLessThan(16 * MiB);
  await pingPong.more(5, 'signals still go round after the bodies');
  pingPong.stop();
  expect(await server().metric('rallypoint_http_bodies_refused_total')).toBeGreaterThanOrEqual(targets.length * 4);
  // A body within the bound is still read and answered, with Colyseus' error shape.
  const small = await fetch(`${server().url}/matchmake/joinById/NOSUCH`, { method: 'POST', body: JSON.stringify({ name: 'x' }), headers: { 'content-type': 'application/json' } });
  expect(small.status).toBe(200);
  expect(await small.json()).toMatchObject({ error: expect.stringContaining('not found') });
  await Promise.all([host.room.leave(true), guest.room.leave(true)]);
}, deadline(120_000));

test('a body that trickles in is cut off by the request timeout, like a slow head', async () => {
  const socket = connect(server().port, '127.0.0.1');
  socket.on('error', () => undefined);
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write('POST /matchmake/create/game HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
  const trickle = setInterval(() => socket.write(' '), 1000);
  try {
    await until(() => socket.destroyed || answer.length > 0, 'the server gives up on the slow body', LobbyLimits.httpRequestTimeoutMs + 5000);
    await closed;
    expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
  } finally {
    clearInterval(trickle);
    socket.destroy();
  }
}, deadline(LobbyLimits.httpRequestTimeoutMs + 15_000));

test('stray WebSocket upgrades are refused with one warning line, no stack, however many come', async () => {
  const logged = () => server().logs.filter((l) => l.msg === 'WebSocket upgrade refused');
  const before = logged().length;
  const targets = ['/', '/nope', '/abc/NOSUCH?sessionId=x', '/%zz', `/x/${'y'.repeat(200)}?sessionId=1`];
  for (let round = 0; round < 10; round++) {
    for (const target of targets) {
      const socket = new WebSocket(`ws://127.0.0.1:${server().port}${target}`);
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('close', resolve));
    }
  }
  // The log arrives when it does (a pipe from the server process).
  await until(() => logged().length > before, 'the refusal is logged');
  const lines = logged().slice(before);
  expect(lines.length).toBeLessThanOrEqual(2); // one per 10 s
  for (const line of lines) {
    expect(line.level).toBe(40); // pino's warn
    expect(JSON.stringify(line)).not.toContain('    at ');
  }
  expect(server().logs.slice(-200).filter((l) => (l.level as number) >= 50)).toEqual([]);
  expect(await server().metric('rallypoint_bad_upgrades_total')).toBeGreaterThanOrEqual(50);
});

test('restore claims expire, and a member disconnected for abuse cannot claim its place back', async () => {
  const host = await member((client) => client.create(RoomName.Game, { name: 'H', maxPlayers: 4 }));
  const code = host.welcome.code;
  const leaver = await member((client) => client.joinById(code, { name: 'L' }));
  const claim = leaver.welcome.restore;
  await leaver.room.leave(true);
  // Claims are renewed every third of their life while a member stays (here every second).
  await until(() => host.received.filter(([type]) => type === 'restore').length >= 3, 'the host got renewed claims', 10_000);
  await until(() => Date.now() > claim.expiresAt + 100, 'the leaver\'s claim expires', 10_000);
  const expired = await new Client(server().url).joinById(code, { name: 'L', restore: claim }).then(
    () => undefined,
    (error: { code?: number; message?: string }) => error,
  );
  expect(expired).toMatchObject({ code: LobbyErrorCode.RestoreRefused, message: expect.stringContaining('expired') });

  const abuser = await member((client) => client.joinById(code, { name: 'A' }));
  const abuserClaim = abuser.welcome.restore;
  for (let i = 0; i < LobbyLimits.abuseStrikes + 5 && abuser.closedWith === undefined; i++) abuser.sendRaw(new Uint8Array([13, 0xc1, 0xc1]));
  await until(() => abuser.closedWith !== undefined, 'the abuser is cut off');
  // Its socket closes before the room has let it go: until then a claim would find it present.
  await until(() => host.received.some(([type, payload]) => type === 'member.left' && (payload as { id: string }).id === abuser.id), 'the room lets the abuser go');
  const refused = await new Client(server().url).joinById(code, { name: 'A', restore: abuserClaim }).then(
    () => undefined,
    (error: { code?: number; message?: string }) => error,
  );
  expect(refused).toMatchObject({ code: LobbyErrorCode.RestoreRefused, message: expect.stringContaining('abuse') });
  await host.room.leave(true);
});

test('/rooms/CODE sends no CORS header unless asked; /metrics can want a token, or listen elsewhere', async () => {
  const host = await member((client) => client.create(RoomName.Game, { name: 'H' }));
  const plain = await fetch(`${server().url}/rooms/${host.welcome.code}`, { headers: { origin: 'https://elsewhere.example' } });
  expect(await plain.json()).toMatchObject({ status: 'open' });
  expect(plain.headers.get('access-control-allow-origin')).toBeNull();
  await host.room.leave(true);

  const metricsPort = await freePort();
  const token = 'a-token-for-the-metrics-test';
  const guarded = await startServer(['--cors-origin', 'https://game.example', '--metrics-listen', `127.0.0.1:${metricsPort}`, '--metrics-token', token]);
  try {
    const status = await fetch(`${guarded.url}/rooms/ABCDEF`);
    expect(status.headers.get('access-control-allow-origin')).toBe('https://game.example');
    expect((await fetch(`${guarded.url}/metrics`)).status).toBe(404); // not on the main port
    expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('rallypoint_rooms');
  } finally {
    await guarded.stop();
  }
  // A bad value is a named configuration error, not a crash.
  await expect(startServer(['--metrics-token', 'short'])).rejects.toThrow(/metrics token/);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
