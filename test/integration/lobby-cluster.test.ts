/**
 * The lobby scaled out: three real lobby processes on a real redis-server (Debian's), on
 * loopback, with real node-datachannel links between the players. Codes, matchmaking, the live
 * list and signaling across processes; a process killed or drained under a linked room; Redis
 * restarted under the cluster.
 */
import { spawn } from 'node:child_process';
import { createRestoreTokens } from '../../server/src/restore.js';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLobby, LobbyRateLimitedError, LobbyUnavailableError, type RoomSession } from '@rallypoint/lobby/node';
import type { LinkTypes } from '@rallypoint/core';
import { LobbyErrorCode, RoomName } from '@rallypoint/protocol';
import { Client } from 'colyseus.js';
import { CLUSTER_SECRET, freePort, startCluster, type LobbyCluster } from '../helpers/cluster.js';
import { bundledCli, startServer } from '../helpers/lobby-server.js';
import { repoRoot } from '../helpers/repo.js';
import { linksOpen, nextEvent, stateFlows as stateFlowsBothWays } from '../helpers/session.js';
import { deadline, until } from '../helpers/wait.js';

type Game = { events: { n: number }; state: { x: number } } & LinkTypes;

const lobbyAt = (url: string) => createLobby<Game>({ url });

/** Numbered events from one session to another every few ms, until stopped; what arrived, in order. */
function eventStream(from: RoomSession<Game>, to: RoomSession<Game>) {
  const received: number[] = [];
  to.links.get(from.me.id)!.events.on('n', (n) => received.push(n));
  let sent = 0;
  const timer = setInterval(() => {
    sent += 1;
    from.links.get(to.me.id)!.events.emit('n', sent);
  }, 5);
  return {
    received,
    sent: () => sent,
    /** Stop sending and wait for everything sent to arrive; then it must be 1..sent, once each. */
    async finish() {
      clearInterval(timer);
      await until(() => received.length >= sent, `all ${sent} events arrive (${received.length} so far)`, 15_000);
      expect(received).toEqual(Array.from({ length: sent }, (_, i) => i + 1));
    },
  };
}

/** State still flows both ways between two linked sessions (over whichever path their link has). */
const stateFlows = (a: RoomSession<Game>, b: RoomSession<Game>) => stateFlowsBothWays(a, b, { x: 1 }, 15_000);

describe('three processes on one Redis', () => {
  let cluster: LobbyCluster;
  beforeAll(async () => {
    cluster = await startCluster(3);
  }, deadline(60_000));
  afterAll(async () => {
    await cluster?.stop();
  });

  test('a code made through one process is joined through the others; events and signals cross processes', async () => {
    const [p0, p1, p2] = cluster.processes;
    const a = await lobbyAt(p0!.url).create({ name: 'A', maxPlayers: 3, topology: 'mesh' });
    const b = await lobbyAt(p1!.url).join(a.code, { name: 'B' });
    const c = await lobbyAt(p2!.url).join(a.code, { name: 'C' });
    try {
      expect(c.members.map((m) => m.name)).toEqual(['A', 'B', 'C']);
      // Mesh: every pair signalled through the room, each member having come in another way.
      await linksOpen(a, [b.me.id, c.me.id]);
      await linksOpen(b, [a.me.id, c.me.id]);
      await linksOpen(c, [a.me.id, b.me.id]);
      const got = nextEvent(c, 'memberLeft');
      await b.leave();
      expect((await got).member.name).toBe('B');
      // Every process answers for the room, wherever it lives.
      for (const process of cluster.processes) expect(await (await fetch(`${process.url}/rooms/${a.code}`)).json()).toEqual({ code: a.code, status: 'open' });
      expect(await (await fetch(`${p1!.url}/rooms/ZZZZZZ`)).json()).toEqual({ code: 'ZZZZZZ', status: 'not-found' });
    } finally {
      await Promise.all([a.leave(), b.leave(), c.leave()]);
    }
  }, deadline(60_000));

  test('quick match fills one room across processes; the live list shows the rooms of every process', async () => {
    const [p0, p1, p2] = cluster.processes;
    const first = await lobbyAt(p0!.url).quickMatch({ name: 'Q1', mode: 'cluster-qm', maxPlayers: 3 });
    const second = await lobbyAt(p1!.url).quickMatch({ name: 'Q2', mode: 'cluster-qm', maxPlayers: 3 });
    const third = await lobbyAt(p2!.url).quickMatch({ name: 'Q3', mode: 'cluster-qm', maxPlayers: 3 });
    const rooms: RoomSession<Game>[] = [first, second, third];
    try {
      expect(new Set(rooms.map((s) => s.code))).toEqual(new Set([first.code]));
      // Make rooms until every process holds one: a new room goes to the process with the fewest,
      // by counts each process refreshes in Redis once a second.
      const holders = new Set<number>();
      const codes: string[] = [];
      for (let i = 0; i < 40 && holders.size < 3; i += 1) {
        const room = await lobbyAt(cluster.processes[i % 3]!.url).create({ name: `L${i}`, mode: 'cluster-list' });
        rooms.push(room);
        codes.push(room.code);
        holders.add(cluster.processes.indexOf(await cluster.holderOf(room.code)));
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      expect(holders.size).toBe(3);
      const list = await lobbyAt(p2!.url).list({ mode: 'cluster-list' });
      try {
        await until(() => codes.every((code) => list.rooms.some((r) => r.code === code)), 'every room is in the list');
      } finally {
        list.close();
      }
    } finally {
      await Promise.all(rooms.map((s) => s.leave()));
    }
  }, deadline(60_000));

  test('the lobby relay carries a link between members who came in through different processes', async () => {
    const [p0, p1] = cluster.processes;
    const a = await createLobby<Game>({ url: p0!.url, relay: 'always' }).create({ name: 'A' });
    const b = await createLobby<Game>({ url: p1!.url, relay: 'always' }).join(a.code, { name: 'B' });
    try {
      await linksOpen(a, [b.me.id]);
      await linksOpen(b, [a.me.id]);
      expect(a.links.get(b.me.id)!.transport).toBe('relay');
      const stream = eventStream(a, b);
      await stateFlows(a, b);
      await stream.finish();
      expect(await (await cluster.holderOf(a.code)).metric('rallypoint_relay_messages_total')).toBeGreaterThan(0);
    } finally {
      await Promise.all([a.leave(), b.leave()]);
    }
  }, deadline(30_000));

  test('a code is taken once across the cluster: the same room re-formed through three processes at once is made once', async () => {
    // Three members of a room no process holds, each with a valid restore token (the cluster's
    // secret is the test's), all asking at the same moment, each through another process.
    const code = 'RACE23';
    const members = cluster.processes.map((_, order) => `racer${order}aaaa`);
    const room = { settings: { mode: 'default', maxPlayers: 4, private: false, topology: 'star' as const }, locked: false, hostId: members[0]!, members };
    const claims = createRestoreTokens(CLUSTER_SECRET, 60);
    const attempts = cluster.processes.map((process, order) => {
      const restore = claims.issue({ code, memberId: members[order]!, order, room }, Date.now());
      return new Client(process.url).create(RoomName.Game, { name: `R${order}`, restore }).then(
        (room) => ({ ok: true as const, room }),
        (error: { code?: number }) => ({ ok: false as const, code: error.code }),
      );
    });
    const outcomes = await Promise.all(attempts);
    try {
      expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
      expect(outcomes.filter((o) => !o.ok).map((o) => (o.ok ? 0 : o.code))).toEqual([LobbyErrorCode.RoomCodeTaken, LobbyErrorCode.RoomCodeTaken]);
      expect(await (await fetch(`${cluster.processes[0]!.url}/rooms/${code}`)).json()).toMatchObject({ status: 'open' });
    } finally {
      await Promise.all(outcomes.map((o) => (o.ok ? o.room.leave(true) : undefined)));
    }
  }, deadline(30_000));

  test('/metrics: each process its own figures, and the whole cluster', async () => {
    const [p0, p1] = cluster.processes;
    const a = await lobbyAt(p0!.url).create({ name: 'M' });
    try {
      const holder = await cluster.holderOf(a.code);
      expect(await holder.metric('rallypoint_rooms')).toBeGreaterThanOrEqual(1);
      // The cluster gauges are the same from any process (heartbeats write them each second).
      let cluster3 = { processes: 0, rooms: 0, clients: 0 };
      const end = Date.now() + deadline(5000);
      while ((cluster3.processes !== 3 || cluster3.rooms < 1 || cluster3.clients < 1) && Date.now() < end) {
        cluster3 = { processes: await p1!.metric('rallypoint_cluster_processes'), rooms: await p1!.metric('rallypoint_cluster_rooms'), clients: await p1!.metric('rallypoint_cluster_clients') };
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(cluster3).toMatchObject({ processes: 3 });
      expect(cluster3.rooms).toBeGreaterThanOrEqual(1);
      expect(cluster3.clients).toBeGreaterThanOrEqual(1);
    } finally {
      await a.leave();
    }
  }, deadline(30_000));
});

describe('a process goes away under a linked room', () => {
  const cases = [
    { signal: 'SIGKILL', relay: 'auto' },
    { signal: 'SIGTERM', relay: 'auto' },
    { signal: 'SIGKILL', relay: 'always' },
    { signal: 'SIGTERM', relay: 'always' },
  ] as const;
  for (const { signal, relay } of cases) {
    test(`${signal}, relay ${relay}: the link keeps going, the room re-forms on another process with the same code, ids and host, and takes a third player`, async () => {
      const cluster = await startCluster(3);
      try {
        const lobby = createLobby<Game>({ url: cluster.front.url, relay });
        const a = await lobby.create({ name: 'A', maxPlayers: 3 });
        const b = await lobby.join(a.code, { name: 'B' });
        await linksOpen(a, [b.me.id]);
        await linksOpen(b, [a.me.id]);
        const link = b.links.get(a.me.id);
        const ids = a.members.map((m) => m.id);
        const left: string[] = [];
        for (const session of [a, b]) session.on('memberLeft', (e) => left.push(e.member.name));
        const stream = eventStream(a, b);
        const holder = await cluster.holderOf(a.code);
        const back = [nextEvent(a, 'lobbyReconnected', undefined, 30_000), nextEvent(b, 'lobbyReconnected', undefined, 30_000)];
        await holder.stop(signal);
        cluster.front.setBackends(cluster.processes.filter((p) => p !== holder).map((p) => p.url));
        // The link does not need the lobby: state and events go on while the room re-forms.
        await stateFlows(a, b);
        for (const event of await Promise.all(back)) expect(event).toEqual({ restored: true });
        const newHolder = await cluster.holderOf(a.code);
        expect(newHolder).not.toBe(holder);
        await until(() => a.members.length === 2 && b.members.length === 2, 'both see both again');
        expect(b.members.map((m) => m.id)).toEqual(ids);
        await until(() => a.isHost && !b.isHost, 'A hosts again, for both');
        expect(b.links.get(a.me.id)).toBe(link);
        await stream.finish();
        expect(stream.sent()).toBeGreaterThan(0);
        // A drained process says goodbye without anyone leaving; a killed one cannot say anything,
        // and nobody is reported gone either: everyone came back within the reconnection window.
        expect(left).toEqual([]);
        const c = await lobby.join(a.code, { name: 'C' });
        await linksOpen(a, [b.me.id, c.me.id]);
        await Promise.all([a.leave(), b.leave(), c.leave()]);
      } finally {
        await cluster.stop();
      }
    }, deadline(90_000));
  }
});

test('Redis restarts under the cluster: rooms and links carry on, matchmaking fails by name meanwhile, then everything is back', async () => {
  const cluster = await startCluster(3);
  try {
    const [p0, p1] = cluster.processes;
    const a = await lobbyAt(p0!.url).create({ name: 'A', maxPlayers: 4 });
    const b = await lobbyAt(p1!.url).join(a.code, { name: 'B' });
    await linksOpen(a, [b.me.id]);
    const stream = eventStream(a, b);
    await cluster.redis.stop();
    // Meanwhile: rooms live in their processes, so links, signaling and the room go on; what
    // needs Redis (matchmaking) fails with a named error instead of hanging.
    const meanwhile = await lobbyAt(p1!.url)
      .join(a.code, { name: 'X' })
      .then(
        (session) => session,
        (error: unknown) => error,
      );
    // (Whether the process had noticed Redis gone when the join came, or found out on the way.)
    expect(meanwhile).toBeInstanceOf(LobbyUnavailableError);
    expect(meanwhile).toMatchObject({ code: LobbyErrorCode.LobbyUnavailable });
    let probe = await fetch(`${p0!.url}/rooms/${a.code}`);
    for (const end = Date.now() + deadline(5000); probe.status !== 503 && Date.now() < end; ) probe = await fetch(`${p0!.url}/rooms/${a.code}`);
    expect([probe.status, probe.headers.get('retry-after')]).toEqual([503, '1']);
    expect(await probe.json()).toMatchObject({ code: LobbyErrorCode.LobbyUnavailable, error: expect.stringMatching(/Redis is not reachable/) });
    await stateFlows(a, b);
    await cluster.redis.restart();
    // Back: every process writes its rooms again, so the code is found through any process.
    const end = Date.now() + deadline(15_000);
    let c: RoomSession<Game> | undefined;
    while (c === undefined) {
      c = await lobbyAt(cluster.processes[2]!.url)
        .join(a.code, { name: 'C' })
        .catch((error: unknown) => {
          if (Date.now() > end) throw error;
          return new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 200));
        });
    }
    await linksOpen(c, [a.me.id]);
    await stream.finish();
    const fresh = await lobbyAt(p1!.url).create({ name: 'D' });
    expect(await (await fetch(`${p0!.url}/rooms/${fresh.code}`)).json()).toMatchObject({ status: 'open' });
    await Promise.all([a.leave(), b.leave(), c.leave(), fresh.leave()]);
  } finally {
    await cluster.stop();
  }
}, deadline(90_000));

describe('per-address HTTP limits', () => {
  test('probing /rooms/CODE past the limit gets 429 with Retry-After on every process (one budget through Redis); other addresses are not affected', async () => {
    const cluster = await startCluster(2, ['--trust-proxy', '127.0.0.1', '--probes-per-address', '20']);
    try {
      const [p0, p1] = cluster.processes;
      const probe = (process: typeof p0, address: string) => fetch(`${process!.url}/rooms/ABCDEF`, { headers: { 'x-forwarded-for': address } });
      const statuses: number[] = [];
      for (let i = 0; i < 30; i += 1) statuses.push((await probe(i % 2 === 0 ? p0 : p1, '203.0.113.7')).status);
      // 20 across both processes, not 20 each.
      expect(statuses.slice(0, 20)).toEqual(Array(20).fill(200));
      expect(statuses.slice(20)).toEqual(Array(10).fill(429));
      const refused = await probe(p1, '203.0.113.7');
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await refused.json()).toMatchObject({ code: 13, error: expect.stringMatching(/too many room look-ups/) });
      // Another player, another address: untouched.
      expect((await probe(p0, '198.51.100.1')).status).toBe(200);
      expect((await p0!.metric('rallypoint_http_limited_total', 'kind="probes"')) + (await p1!.metric('rallypoint_http_limited_total', 'kind="probes"'))).toBe(11);
    } finally {
      await cluster.stop();
    }
  }, deadline(60_000));

  test('creating rooms past the limit: the lobby client gets LobbyRateLimitedError with the wait; joining still works', async () => {
    const server = await startServer(['--creates-per-address', '2']);
    try {
      const lobby = lobbyAt(server.url);
      const a = await lobby.create({ name: 'A' });
      const b = await lobby.create({ name: 'B' });
      const refused = await lobby.create({ name: 'C' }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(LobbyRateLimitedError);
      expect((refused as LobbyRateLimitedError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(refused).not.toBeInstanceOf(LobbyUnavailableError);
      const guest = await lobby.join(a.code, { name: 'G' });
      await Promise.all([a.leave(), b.leave(), guest.leave()]);
      expect(await server.metric('rallypoint_http_limited_total', 'kind="creates"')).toBe(1);
    } finally {
      await server.stop();
    }
  }, deadline(30_000));
});

test('npm run cluster: Redis and two lobby processes behind one port; players meet through it; Ctrl-C stops them all', async () => {
  const child = spawn(process.execPath, [join(repoRoot(), 'scripts/cluster.mjs'), '--port', '0', '--processes', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    // What the cluster says on stderr, for the failure: a start that fails says why there.
    let said = '';
    child.stderr!.on('data', (chunk: Buffer) => (said = (said + chunk.toString()).slice(0, 4000)));
    const [url, redisUrl] = await new Promise<[string, string]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the cluster did not start; it said: ${said}`)), deadline(30_000));
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`the cluster exited (${code}) before it listened; it said: ${said}`));
      });
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const match = /^rallypoint cluster listening on (\S+) .*: 2 lobby processes \((\S+), (\S+)\) on (redis:\/\/\S+)$/.exec(line);
        if (match === null) return;
        clearTimeout(timer);
        resolve([match[1]!, match[4]!]);
      });
    });
    const a = await lobbyAt(url).create({ name: 'A' });
    const b = await lobbyAt(url).join(a.code, { name: 'B' });
    await linksOpen(a, [b.me.id]);
    expect(a.inviteLink).toBe(`${url}/?room=${a.code}`);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const closed = [nextEvent(a, 'lobbyDisconnected', undefined, 20_000), nextEvent(b, 'lobbyDisconnected', undefined, 20_000)];
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    // The lobbies drained: their members were told before the sockets closed.
    for (const event of await Promise.all(closed)) expect(event.willReconnect).toBe(true);
    await Promise.all([a.leave(), b.leave()]);
    // And its Redis is gone with it.
    const { port } = new URL(redisUrl);
    expect(await new Promise((resolve) => connect(Number(port), '127.0.0.1').once('connect', () => resolve('open')).once('error', () => resolve('closed')))).toBe('closed');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}, deadline(60_000));

test('a lobby process that cannot reach its Redis stops at once, exit code 1, saying so', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, [await bundledCli(), '--redis', `redis://127.0.0.1:${port}`, '--host', '127.0.0.1', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code).toBe(1);
  expect(stderr).toBe(`rallypoint-server could not start: cannot reach Redis at 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}\n`);
}, deadline(30_000));
