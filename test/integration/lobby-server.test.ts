/**
 * The lobby server as a process: health, metrics, static files, TURN credentials, graceful
 * shutdown, and what players see when their lobby connection drops or the server restarts.
 */
import { createHmac } from 'node:crypto';
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { createInterface } from 'node:readline';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { Client } from 'colyseus.js';
import { RestoreRefusedError, createLobby, type RoomSession } from '@rallypoint/lobby/node';
import { ClientMessage, LobbyErrorCode, LobbyLimits, RoomName, ServerMessage, type Restore, type WelcomePayload } from '@rallypoint/protocol';
import type { LinkTypes } from '@rallypoint/core';
import { bundledCli, startServer } from '../helpers/lobby-server.js';
import { rawMember } from '../helpers/raw-member.js';
import { linksDirect, linksOpen, nextEvent, stateFlows as stateFlowsBothWays } from '../helpers/session.js';
import { startProxy } from '../helpers/tcp-proxy.js';
import { deadline, until } from '../helpers/wait.js';

type Game = { state: { n: number } } & LinkTypes;

/** Each side sends state to the other and waits until some arrives: the link works. */
const stateFlows = (a: RoomSession<Game>, b: RoomSession<Game>) => stateFlowsBothWays(a, b, { n: 1 });

test('/healthz, /metrics, a status page, and exit 0 on SIGTERM with members told', async () => {
  const server = await startServer();
  const health = await fetch(`${server.url}/healthz`);
  expect(health.status).toBe(200);
  expect(await health.json()).toMatchObject({ status: 'ok', rooms: 0, clients: 0 });
  const page = await fetch(`${server.url}/`);
  expect(page.headers.get('content-type')).toContain('text/html');
  expect(await page.text()).toContain('rallypoint lobby server');

  const lobby = createLobby<Game>({ url: server.url });
  const a = await lobby.create({ name: 'A' });
  const b = await lobby.join(a.code, { name: 'B' });
  await linksOpen(a, [b.me.id]);
  // The links open on the lobby relay; only once on their direct connection do they outlive it.
  await linksDirect(a, [b.me.id]);
  await linksDirect(b, [a.me.id]);
  expect(await (await fetch(`${server.url}/healthz`)).json()).toMatchObject({ status: 'ok', rooms: 1, clients: 2 });
  const metrics = await server.metrics();
  for (const name of ['rallypoint_rooms 1', 'rallypoint_clients 2', 'rallypoint_joins_total 2', 'rallypoint_bytes_in_total', 'rallypoint_bytes_out_total', 'rallypoint_signals_relayed_total', 'rallypoint_messages_rejected_total{reason="invalid"} 0']) {
    expect(metrics).toContain(name);
  }
  expect(await server.metric('rallypoint_signals_relayed_total')).toBeGreaterThan(1);

  const told = [nextEvent(a, 'lobbyDisconnected'), nextEvent(b, 'lobbyDisconnected')];
  expect(await server.stop('SIGTERM')).toBe(0);
  for (const event of await Promise.all(told)) expect(event.willReconnect).toBe(true);
  expect(server.logs.some((l) => l.msg === 'stopped')).toBe(true);
  // The links outlive the lobby.
  await stateFlows(a, b);
  await a.leave();
  await b.leave();
});

function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

test('serves a static folder at /', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rallypoint-static-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>my game</title>');
  const server = await startServer(['--static', dir]);
  try {
    expect(await (await fetch(`${server.url}/`)).text()).toContain('my game');
    // fetch() would normalise the dots away before sending; http.get sends the path as written.
    for (const path of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd', `/..%2f..%2f..%2f..%2fetc%2fpasswd`]) {
      const { status, body } = await rawGet(server.port, path);
      expect(body, path).not.toContain('root:');
      expect(status, path).toBe(404);
    }
  } finally {
    await server.stop();
  }
});

test('bad flags stop the CLI with exit code 2 and say why', async () => {
  await expect(startServer(['--port', 'eighty'])).rejects.toThrow(/exited with 2: --port/);
  await expect(startServer([], { RALLYPOINT_ICE_SERVERS: '[{"urls":"http://x"}]' })).rejects.toThrow(/exited with 2: RALLYPOINT_ICE_SERVERS \(--ice-servers\)/);
  await expect(startServer(['--turn-secret', 'x'])).rejects.toThrow(/exited with 2: --turn-secret and --turn-urls/);
  await expect(startServer(['--static', '/no/such/folder'])).rejects.toThrow(/exited with 2: --static: no folder at \/no\/such\/folder\n$/);
});

test('the CLI says where it listens on stdout whatever the log level, --port 0 included', async () => {
  const cli = spawn(process.execPath, [await bundledCli(), '--host', '127.0.0.1', '--port', '0', '--log-level', 'silent'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: cli.stdout }).once('line', resolve);
      cli.once('exit', (code) => reject(new Error(`exited with ${code}`)));
    });
    const match = /^rallypoint-server listening on (http:\/\/127\.0\.0\.1:(\d+)) \(port (\d+)\)$/.exec(line);
    expect(match, line).not.toBeNull();
    expect(match![2]).toBe(match![3]);
    expect(Number(match![3])).toBeGreaterThan(0);
    expect((await fetch(`${match![1]}/healthz`)).status).toBe(200);
  } finally {
    cli.kill('SIGTERM');
  }
});

test('with a TURN secret, each member gets its own ephemeral TURN credentials', async () => {
  const secret = 'test-secret';
  const server = await startServer(['--turn-secret', secret, '--turn-urls', 'turn:127.0.0.1:3478?transport=udp', '--turn-ttl', '600'], {
    RALLYPOINT_ICE_SERVERS: '[{"urls":"stun:127.0.0.1:3478"}]',
  });
  try {
    const room = await new Client(server.url).create(RoomName.Game, { name: 'A' });
    const welcome = await new Promise<WelcomePayload>((resolve) => room.onMessage(ServerMessage.Welcome, resolve));
    const [stun, turn] = welcome.iceServers;
    expect(stun).toEqual({ urls: 'stun:127.0.0.1:3478' });
    expect(turn?.urls).toEqual(['turn:127.0.0.1:3478?transport=udp']);
    const [expiry, sessionId] = String(turn?.username).split(':');
    expect(sessionId).toBe(welcome.you);
    expect(Number(expiry) - Date.now() / 1000).toBeGreaterThan(590);
    expect(Number(expiry) - Date.now() / 1000).toBeLessThan(610);
    expect(turn?.credential).toBe(createHmac('sha1', secret).update(String(turn?.username)).digest('base64'));
    await room.leave(true);
  } finally {
    await server.stop();
  }
});

test('a client that stops answering pings is cut off, and its seat waits for it', async () => {
  const server = await startServer();
  try {
    const room = await new Client(server.url).create(RoomName.Game, { name: 'quiet' });
    const welcome = await new Promise<WelcomePayload>((resolve) => room.onMessage(ServerMessage.Welcome, resolve));
    // Stop reading the socket: the server's pings go unanswered (and unread).
    const ws = (room.connection as unknown as { transport: { ws: { _socket: { pause(): void } } } }).transport.ws;
    ws._socket.pause();
    // Its slice comes round every 3 s: skipped once (it had just spoken), then two pings missed,
    // then cut off, at most 12 s from now.
    await until(() => server.logs.some((e) => e.msg === 'member connection lost; its seat waits' && e.member === welcome.you), 'the server cuts the quiet client off', 20_000);
  } finally {
    await server.stop();
  }
}, deadline(30_000));

// A drop the server sees at once (the TCP connection closes), and one it learns of only by its
// pings, about 9 s later: until then it refuses B's reconnection token, and B keeps trying it.
const DROPS = [
  { drop: 'drops', serverSees: true, backWithinMs: 10_000 },
  { drop: 'drops without the server seeing it', serverSees: false, backWithinMs: 30_000 },
];
for (const { drop, serverSees, backWithinMs } of DROPS) {
  test(`a lobby connection that ${drop} comes back to its own place with presence; links are untouched`, async () => {
    const server = await startServer();
    const proxy = await startProxy(server.port);
    try {
      const a = await createLobby<Game>({ url: server.url }).create({ name: 'A', maxPlayers: 3 });
      const b = await createLobby<Game>({ url: proxy.url }).join(a.code, { name: 'B' });
      // Links open on the lobby relay and cannot outlive the lobby until their direct path is
      // confirmed (README: Relay first); the links that must come through a lobby loss are direct.
      await linksDirect(a, [b.me.id]);
      await linksDirect(b, [a.me.id]);
      const link = a.links.get(b.me.id);
      let bLeft = false;
      a.on('memberLeft', () => (bLeft = true));
      const back = nextEvent(b, 'lobbyReconnected', () => true, backWithinMs);
      proxy.cut({ serverSees });
      expect(await back).toEqual({ restored: false });
      expect(bLeft).toBe(false);
      expect(a.links.get(b.me.id)).toBe(link);
      await stateFlows(a, b);
      // Presence works again: B's changes reach A.
      const ready = nextEvent(a, 'memberChanged', (m) => m.id === b.me.id && m.ready);
      b.setReady(true);
      await ready;
      await a.leave();
      await b.leave();
    } finally {
      await proxy.close();
      await server.stop();
    }
  }, 60_000);
}

/** The restart tests give both server processes the same restore secret, as a deployment would. */
const restoreSecret = ['--restore-secret', 'a-secret-for-the-restart-tests'];

for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
  test(`lobby server stopped (${signal}) while two peers are linked: the link keeps going; restarted, the room comes back`, async () => {
    const first = await startServer(restoreSecret);
    const lobby = createLobby<Game>({ url: first.url });
    const a = await lobby.create({ name: 'A', maxPlayers: 3 });
    const b = await lobby.join(a.code, { name: 'B' });
    await linksOpen(a, [b.me.id]);
    await linksOpen(b, [a.me.id]);
    // Only a link on its direct connection outlives the lobby (not one still on its relay).
    await linksDirect(a, [b.me.id]);
    await linksDirect(b, [a.me.id]);
    const link = b.links.get(a.me.id);
    const ids = a.members.map((m) => m.id);
    const hostChanges: string[] = [];
    for (const session of [a, b]) session.on('hostChanged', (e) => hostChanges.push(`${e.previousHostId} -> ${e.hostId}`));
    const lost = [nextEvent(a, 'lobbyDisconnected'), nextEvent(b, 'lobbyDisconnected')];
    await first.stop(signal);
    await Promise.all(lost);
    expect(a.status).toBe('reconnecting');
    await stateFlows(a, b);

    const back = [nextEvent(a, 'lobbyReconnected', undefined, 20_000), nextEvent(b, 'lobbyReconnected', undefined, 20_000)];
    const second = await startServer(['--port', String(first.port), ...restoreSecret]);
    try {
      for (const event of await Promise.all(back)) expect(event).toEqual({ restored: true });
      await until(() => a.members.length === 2 && b.members.length === 2, 'both see both again');
      expect(a.members.map((m) => m.id)).toEqual(ids);
      expect(b.members.map((m) => m.id)).toEqual(ids);
      expect([a.code, b.code]).toEqual([a.code, a.code]);
      // Whoever came back first re-formed the room; the host is the one who hosted before, and
      // nobody was told otherwise on the way.
      await until(() => a.isHost && !b.isHost, 'A hosts again, for both');
      expect(hostChanges).toEqual([]);
      expect(b.links.get(a.me.id)).toBe(link);
      await stateFlows(a, b);
      // The re-formed room takes new players under the same code.
      const c = await createLobby<Game>({ url: second.url }).join(a.code, { name: 'C' });
      await linksOpen(a, [b.me.id, c.me.id]);
      await c.leave();
      await a.leave();
      await b.leave();
    } finally {
      await second.stop();
    }
  }, deadline(60_000));
}

test('restarted with another restore secret, the server refuses to re-form the room: sessions end with RestoreRefusedError', async () => {
  const first = await startServer(restoreSecret);
  const lobby = createLobby<Game>({ url: first.url });
  const a = await lobby.create({ name: 'A' });
  const b = await lobby.join(a.code, { name: 'B' });
  await linksOpen(a, [b.me.id]);
  const ends = [a, b].map((session) => Promise.all([nextEvent(session, 'error', (e) => e.error.name === 'RestoreRefusedError', 20_000), nextEvent(session, 'closed', undefined, 20_000)]));
  await first.stop('SIGKILL');
  const second = await startServer(['--port', String(first.port)]);
  try {
    for (const [error, closed] of await Promise.all(ends)) {
      expect(error.error).toBeInstanceOf(RestoreRefusedError);
      expect(closed.reason).toBe('lobby-lost');
    }
    expect(await (await fetch(`${second.url}/rooms/${a.code}`)).json()).toMatchObject({ status: 'not-found' });
    expect(await second.metric('rallypoint_restores_refused_total')).toBeGreaterThanOrEqual(2);
  } finally {
    await second.stop();
  }
}, deadline(60_000));

/**
 * A hosts a room with B, through a proxy that can keep A out; the server is killed and started
 * again (same port, same restore secret) while A is kept out, so B is back first. Hands back
 * both sessions, every hostChanged each saw from then on, a way to let A back, and cleanup.
 */
async function restartWithHostKeptOut() {
  const first = await startServer(restoreSecret);
  let keepOutA = false;
  const proxy = await startProxy(first.port, { clientData: () => (keepOutA ? 'cut' : 'forward') });
  const a = await createLobby<Game>({ url: proxy.url }).create({ name: 'A', maxPlayers: 3 });
  const b = await createLobby<Game>({ url: first.url }).join(a.code, { name: 'B' });
  await linksDirect(a, [b.me.id]);
  await linksDirect(b, [a.me.id]);
  const hostChanges: string[] = [];
  a.on('hostChanged', (e) => hostChanges.push(`A saw ${e.previousHostId} -> ${e.hostId}`));
  b.on('hostChanged', (e) => hostChanges.push(`B saw ${e.previousHostId} -> ${e.hostId}`));
  const lost = [nextEvent(a, 'lobbyDisconnected'), nextEvent(b, 'lobbyDisconnected')];
  keepOutA = true;
  await first.stop('SIGKILL');
  await Promise.all(lost);
  const second = await startServer(['--port', String(first.port), ...restoreSecret]);
  // B is back first and re-forms the room: the server makes it host, for now.
  expect(await nextEvent(b, 'lobbyReconnected', undefined, 20_000)).toEqual({ restored: true });
  return {
    a,
    b,
    hostChanges,
    letA: () => (keepOutA = false),
    async cleanup() {
      await a.leave();
      await b.leave();
      await proxy.close();
      await second.stop();
    },
  };
}

test('restarted, the room re-forms around its old host even when another member is back first: no hostChanged', async () => {
  const { a, b, hostChanges, letA, cleanup } = await restartWithHostKeptOut();
  try {
    expect(b.hostId).toBe(a.me.id); // A is expected back: still the host as B reports it
    letA();
    expect(await nextEvent(a, 'lobbyReconnected', undefined, 20_000)).toEqual({ restored: true });
    await until(() => a.members.length === 2 && b.members.length === 2 && a.isHost && b.hostId === a.me.id, 'both see A host again');
    // One more room round trip for any late host.changed to arrive.
    const renamed = nextEvent(a, 'memberChanged', (m) => m.name === 'B2');
    b.setName('B2');
    await renamed;
    expect(hostChanges).toEqual([]);
  } finally {
    await cleanup();
  }
}, deadline(60_000));

test('restarted, if the old host never comes back, the others hear of the new host once, when its place runs out', async () => {
  const { a, b, hostChanges, cleanup } = await restartWithHostKeptOut();
  try {
    const left = await nextEvent(b, 'memberLeft', (e) => e.member.id === a.me.id, 30_000);
    expect(left.reason).toBe('lost');
    expect(hostChanges).toEqual([`B saw ${a.me.id} -> ${b.me.id}`]);
    expect(b.isHost).toBe(true);
  } finally {
    await cleanup();
  }
}, deadline(60_000));

type Soak = { state: { n: number }; events: { tick: number } } & LinkTypes;

test('a restored room lasts: for 60 s after a restart (SIGKILL, and SIGTERM) nobody is lost, the links are untouched, state and events flow both ways', async () => {
  await Promise.all(
    (['SIGKILL', 'SIGTERM'] as const).map(async (signal) => {
      const first = await startServer(restoreSecret);
      const a = await createLobby<Soak>({ url: first.url }).create({ name: 'A' });
      const b = await createLobby<Soak>({ url: first.url }).join(a.code, { name: 'B' });
      const troubles: string[] = [];
      try {
        await linksDirect(a, [b.me.id]);
        await linksDirect(b, [a.me.id]);
        const links = [a.links.get(b.me.id), b.links.get(a.me.id)];
        for (const [name, session] of [['A', a], ['B', b]] as const) {
          session.on('memberLeft', (e) => troubles.push(`${name} saw ${e.member.id} leave (${e.reason})`));
          session.on('linkClose', (e) => troubles.push(`${name}'s link to ${e.peerId} closed (${e.reason})`));
          session.on('closed', (e) => troubles.push(`${name}'s session ended (${e.reason})`));
        }
        const back = [nextEvent(a, 'lobbyReconnected', undefined, 20_000), nextEvent(b, 'lobbyReconnected', undefined, 20_000)];
        await first.stop(signal);
        const second = await startServer(['--port', String(first.port), ...restoreSecret]);
        try {
          for (const event of await Promise.all(back)) expect(event).toEqual({ restored: true });
          // Past the reconnection window (20 s) three times over: state and events both ways, every second.
          const ticks = { a: 0, b: 0 };
          a.links.get(b.me.id)!.events.on('tick', () => ticks.a++);
          b.links.get(a.me.id)!.events.on('tick', () => ticks.b++);
          const endAt = Date.now() + 60_000;
          for (let n = 1; Date.now() < endAt; n++) {
            await stateFlowsBothWays(a, b, { n });
            a.emit('tick', n);
            b.emit('tick', n);
            await until(() => ticks.a === n && ticks.b === n, `${signal}: tick ${n} arrived both ways`);
            await new Promise((r) => setTimeout(r, 1000));
          }
          expect(troubles).toEqual([]);
          expect([a.links.get(b.me.id), b.links.get(a.me.id)]).toEqual(links);
          expect([a.status, b.status, a.members.length, b.members.length]).toEqual(['joined', 'joined', 2, 2]);
          expect(await (await fetch(`${second.url}/healthz`)).json()).toMatchObject({ rooms: 1, clients: 2 });
          await a.leave();
          await b.leave();
        } finally {
          await second.stop();
        }
      } finally {
        await Promise.all([a.leave(), b.leave()]);
      }
    }),
  );
}, deadline(150_000));

test('restart race: a member back first with other settings re-forms the room as it was, cannot lock it, the others\' places are held, and every member is back in time, the host hosting', async () => {
  const first = await startServer(restoreSecret);
  let keepOut = false;
  const proxy = await startProxy(first.port, { clientData: () => (keepOut ? 'cut' : 'forward') });
  const a = await createLobby<Game>({ url: proxy.url }).create({ name: 'A', maxPlayers: 4, mode: 'duel' });
  const b = await createLobby<Game>({ url: proxy.url }).join(a.code, { name: 'B' });
  // C speaks the protocol by hand: it keeps its own claim, and only that.
  const c = await rawMember(first.url, (client) => client.joinById(a.code, { name: 'C' }));
  await linksDirect(a, [b.me.id]);
  await linksDirect(b, [a.me.id]);
  await until(() => a.members.length === 3, 'A sees C');
  const claimOfC = () => [c.welcome.restore, ...c.received.filter(([type]) => type === ServerMessage.Restore).map(([, claim]) => claim as Restore)].at(-1)!;
  const hostChanges: string[] = [];
  for (const session of [a, b]) session.on('hostChanged', (e) => hostChanges.push(`${e.previousHostId} -> ${e.hostId}`));
  const lost = [nextEvent(a, 'lobbyDisconnected'), nextEvent(b, 'lobbyDisconnected')];
  keepOut = true;
  await first.stop('SIGKILL');
  await Promise.all(lost);
  const second = await startServer(['--port', String(first.port), ...restoreSecret]);
  try {
    // C is back first, asks for a two-player private room of another mode, and tries to lock it.
    const room = await new Client(second.url).create(RoomName.Game, { name: 'C', mode: 'other', maxPlayers: 2, private: true, restore: claimOfC() });
    const replies: [string | number, unknown][] = [];
    room.onMessage('*', (type, payload: unknown) => replies.push([type, payload]));
    await until(() => replies.some(([type]) => type === ServerMessage.Welcome), 'C is welcomed');
    const welcome = replies.find(([type]) => type === ServerMessage.Welcome)![1] as WelcomePayload;
    expect(welcome.settings).toEqual({ mode: 'duel', maxPlayers: 4, private: false, topology: 'star' });
    expect(welcome.hostId).toBe(a.me.id);
    room.send(ClientMessage.Lock, { locked: true });
    await until(() => replies.some(([type, payload]) => type === ServerMessage.Error && (payload as { code: number }).code === LobbyErrorCode.NotHost), 'C is told only the host locks');
    // A and B's places are held: one stranger fits beside them, a second finds the room full.
    const e = await rawMember(second.url, (client) => client.joinById(a.code, { name: 'E' }));
    await expect(new Client(second.url).joinById(a.code, { name: 'F' })).rejects.toMatchObject({ code: LobbyErrorCode.RoomFull });

    const back = [nextEvent(a, 'lobbyReconnected', undefined, 20_000), nextEvent(b, 'lobbyReconnected', undefined, 20_000)];
    const startedAt = Date.now();
    keepOut = false;
    for (const event of await Promise.all(back)) expect(event).toEqual({ restored: true });
    expect(Date.now() - startedAt).toBeLessThan(LobbyLimits.reconnectWindowSeconds * 1000);
    await until(() => a.members.length === 4 && b.members.length === 4, 'A and B see all four');
    expect([a.isHost, b.hostId, a.settings.mode, a.settings.maxPlayers]).toEqual([true, a.me.id, 'duel', 4]);
    expect(hostChanges).toEqual([]);
    await stateFlows(a, b);
    // Not locked, four places: when E leaves, a player gets in by code.
    await e.room.leave(true);
    await until(() => a.members.length === 3, 'A sees E leave');
    const d = await createLobby<Game>({ url: second.url }).join(a.code, { name: 'D' });
    await until(() => a.members.length === 4, 'A sees D');
    expect(await (await fetch(`${second.url}/rooms/${a.code}`)).json()).toMatchObject({ status: 'full' });
    await d.leave();
    await room.leave(true);
  } finally {
    await a.leave();
    await b.leave();
    await proxy.close();
    await second.stop();
  }
}, deadline(90_000));
