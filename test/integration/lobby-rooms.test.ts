/**
 * Rooms over the real lobby server (its own process, random port) with real node-datachannel
 * links: codes, joins and their errors, quick match, the live list, topologies, host changes.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { createLobby, RoomClosedError, RoomFullError, RoomNotFoundError, InvalidOptionsError, NotHostError, initiates, linkRetryDelayMs, type RoomSession } from '@rallypoint/lobby/node';
import { createLink as createNodeLink } from '@rallypoint/core/node';
import { WebRtcUnavailableError, createLobby as createBrowserLobby } from '@rallypoint/lobby';
import { LobbyErrorCode, RoomCodeFormat, RoomName } from '@rallypoint/protocol';
import { Client } from 'colyseus.js';
import { MessageTooLargeError, type LinkTypes } from '@rallypoint/core';
import { serverForFile } from '../helpers/server-per-file.js';
import { rawMember } from '../helpers/raw-member.js';
import { linksOpen, nextEvent } from '../helpers/session.js';
import { deadline, until } from '../helpers/wait.js';

type Game = { events: { hello: string }; state: { x: number } } & LinkTypes;

const server = serverForFile();
const sessions: RoomSession<Game>[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.leave()));
});

const lobby = () => createLobby<Game>({ url: server().url });
const track = (session: RoomSession<Game>) => (sessions.push(session), session);
const create = async (options: Parameters<ReturnType<typeof lobby>['create']>[0] = {}) => track(await lobby().create(options));
const join = async (code: string, name = 'guest') => track(await lobby().join(code, { name }));

describe('create and join by code', () => {
  test('both sides link; events and state flow both ways', async () => {
    const a = await create({ name: 'Ada' });
    expect(a.code).toMatch(new RegExp(`^[${RoomCodeFormat.alphabet}]{${RoomCodeFormat.length}}$`));
    expect(a.inviteLink).toBe(`${server().url}/?room=${a.code}`);
    expect(a.isHost).toBe(true);
    // Codes are case-insensitive and forgive separators.
    const b = await join(`${a.code.slice(0, 3).toLowerCase()}-${a.code.slice(3)}`, 'Bob');
    expect(b.code).toBe(a.code);
    expect(b.members.map((m) => m.name)).toEqual(['Ada', 'Bob']);
    expect(b.hostId).toBe(a.me.id);
    await linksOpen(a, [b.me.id]);
    await linksOpen(b, [a.me.id]);

    const aGot = new Promise<string>((r) => a.links.get(b.me.id)!.events.on('hello', r));
    const bGot = new Promise<string>((r) => b.links.get(a.me.id)!.events.on('hello', r));
    expect(a.emit('hello', 'from Ada')).toBe(1);
    expect(b.emit('hello', 'from Bob', a.me.id)).toBe(1);
    expect(await bGot).toBe('from Ada');
    expect(await aGot).toBe('from Bob');

    const aState: number[] = [];
    const bState: number[] = [];
    a.links.get(b.me.id)!.state.onMessage(({ payload }) => aState.push(payload.x));
    b.links.get(a.me.id)!.state.onMessage(({ payload }) => bState.push(payload.x));
    for (let x = 1; x <= 20; x++) {
      a.sendState({ x });
      b.sendState({ x: -x });
      await new Promise((r) => setTimeout(r, 2));
    }
    await until(() => aState.length > 0 && bState.length > 0, 'state arrives both ways');
    expect(aState.every((x) => x < 0)).toBe(true);
    expect(bState.every((x) => x > 0)).toBe(true);
  });

  test('presence: joins, ready flags, names and leaves are seen live', async () => {
    const a = await create({ name: 'Ada', maxPlayers: 3 });
    const joined = nextEvent(a, 'memberJoined');
    const b = await join(a.code, 'Bob');
    expect((await joined).name).toBe('Bob');
    const changed = nextEvent(a, 'memberChanged', (m) => m.ready);
    b.setReady(true);
    expect((await changed).id).toBe(b.me.id);
    const renamed = nextEvent(b, 'memberChanged', (m) => m.name === 'Ada L.');
    a.setName('Ada L.');
    await renamed;
    expect(b.members.find((m) => m.id === a.me.id)?.name).toBe('Ada L.');
    const left = nextEvent(a, 'memberLeft');
    await b.leave();
    expect(await left).toMatchObject({ member: { id: b.me.id }, reason: 'left' });
    expect(a.members.map((m) => m.id)).toEqual([a.me.id]);
    expect(a.links.size).toBe(0);
  });

  test('joining an unknown, full or closed room gives a named error', async () => {
    await expect(lobby().join('ZZZZZZ')).rejects.toBeInstanceOf(RoomNotFoundError);
    await expect(lobby().join('not a code!')).rejects.toBeInstanceOf(RoomNotFoundError);
    const a = await create({ maxPlayers: 2 });
    await join(a.code);
    await expect(lobby().join(a.code)).rejects.toBeInstanceOf(RoomFullError);

    const c = await create({ maxPlayers: 4 });
    const guest = await join(c.code);
    const refused = nextEvent(guest, 'error');
    guest.setLocked(true);
    expect((await refused).error).toBeInstanceOf(NotHostError);
    c.setLocked(true);
    await expect.poll(() => fetch(`${server().url}/rooms/${c.code}`).then((r) => r.json())).toEqual({ code: c.code, status: 'closed' });
    await expect(lobby().join(c.code)).rejects.toBeInstanceOf(RoomClosedError);
    c.setLocked(false);
    await expect.poll(() => fetch(`${server().url}/rooms/${c.code}`).then((r) => r.json())).toEqual({ code: c.code, status: 'open' });
    await join(c.code);
  });

  test('bad room options are refused on the client, and again by the server', async () => {
    await expect(lobby().create({ maxPlayers: 17 })).rejects.toBeInstanceOf(InvalidOptionsError);
    await expect(lobby().create({ name: 'x'.repeat(33) })).rejects.toBeInstanceOf(InvalidOptionsError);
    await expect(lobby().create({ mode: 'Not A Mode' })).rejects.toBeInstanceOf(InvalidOptionsError);
    // A client that skips the checks gets the server's.
    const raw = new Client(server().url);
    await expect(raw.create(RoomName.Game, { maxPlayers: 99 })).rejects.toMatchObject({ code: LobbyErrorCode.InvalidRoomOptions });
    await expect(raw.create(RoomName.Game, { name: { $gt: '' } })).rejects.toMatchObject({ code: LobbyErrorCode.InvalidJoinOptions });
    const room = await raw.create(RoomName.Game, {});
    room.onMessage('*', () => undefined);
    await expect(raw.joinById(room.roomId, { name: 7 })).rejects.toMatchObject({ code: LobbyErrorCode.InvalidJoinOptions });
    await room.leave(true);
  });
});

test('a member who comes back late with its restore token joins as anyone would: no host from an old order', async () => {
  const a = await rawMember(server().url, (client) => client.create(RoomName.Game, { name: 'A', maxPlayers: 3 }));
  const code = a.welcome.code;
  const b = await join(code, 'B');
  const hostMoved = nextEvent(b, 'hostChanged');
  await a.room.leave(true);
  await hostMoved;
  expect(b.isHost).toBe(true);
  const joinSeen = nextEvent(b, 'memberJoined');
  const restore = a.welcome.restore;
  const room = await new Client(server().url).joinById(code, { name: 'A', restore });
  room.onMessage('*', () => undefined);
  const joined = await joinSeen;
  expect(joined.id).toBe(a.id);
  expect(joined.order).toBeGreaterThan(b.me.order);
  // One more room event round trip: no host change came with it.
  const renamed = nextEvent(b, 'memberChanged');
  b.setName('B2');
  await renamed;
  expect(b.isHost).toBe(true);
  await room.leave(true);
});

describe('quick match and the list', () => {
  test('fills one public room of a mode before creating the next; private rooms stay out', async () => {
    const list = await lobby().list({ mode: 'duel' });
    try {
      expect(list.rooms).toEqual([]);
      const secret = await create({ mode: 'duel', private: true, maxPlayers: 3 });
      const p1 = track(await lobby().quickMatch({ mode: 'duel', maxPlayers: 3, name: 'p1' }));
      expect(p1.code).not.toBe(secret.code);
      await expect.poll(() => list.rooms.map((r) => [r.code, r.clients])).toEqual([[p1.code, 1]]);
      const other = track(await lobby().quickMatch({ mode: 'race', name: 'r1' }));
      expect(other.code).not.toBe(p1.code);
      const p2 = track(await lobby().quickMatch({ mode: 'duel', name: 'p2' }));
      const p3 = track(await lobby().quickMatch({ mode: 'duel', name: 'p3' }));
      expect([p2.code, p3.code]).toEqual([p1.code, p1.code]);
      await expect.poll(() => list.rooms.map((r) => [r.code, r.clients])).toEqual([[p1.code, 3]]);
      const p4 = track(await lobby().quickMatch({ mode: 'duel', maxPlayers: 3, name: 'p4' }));
      expect(p4.code).not.toBe(p1.code);
      await expect.poll(() => list.rooms.map((r) => r.code).sort()).toEqual([p1.code, p4.code].sort());
      expect(list.rooms.find((r) => r.code === p1.code)).toMatchObject({ mode: 'duel', maxClients: 3, hostName: 'p1' });
      expect(list.rooms.some((r) => r.code === secret.code)).toBe(false);
      await p4.leave();
      await expect.poll(() => list.rooms.map((r) => r.code)).toEqual([p1.code]);
    } finally {
      await list.close();
    }
  });
});

describe('topologies', () => {
  const fourPlayers = async (topology: 'star' | 'mesh') => {
    const host = await create({ maxPlayers: 4, topology, name: 'p0' });
    const others = [];
    for (let i = 1; i < 4; i++) others.push(await join(host.code, `p${i}`));
    return [host, ...others];
  };

  test('a 4-player mesh opens 6 links', async () => {
    const players = await fourPlayers('mesh');
    for (const p of players) await linksOpen(p, players.filter((q) => q !== p).map((q) => q.me.id));
    const pairs = new Set(players.flatMap((p) => [...p.links.keys()].map((q) => [p.me.id, q].sort().join('-'))));
    expect(pairs.size).toBe(6);
  });

  test('a 4-player star opens 3 links, all through the host; they re-form when the host leaves', async () => {
    const [host, ...guests] = (await fourPlayers('star')) as [RoomSession<Game>, ...RoomSession<Game>[]];
    await linksOpen(host, guests.map((g) => g.me.id));
    for (const g of guests) {
      await linksOpen(g, [host.me.id]);
      expect([...g.links.keys()]).toEqual([host.me.id]);
    }
    const [next, ...rest] = guests as [RoomSession<Game>, ...RoomSession<Game>[]];
    const told = guests.map((g) => nextEvent(g, 'hostChanged'));
    await host.leave();
    for (const event of await Promise.all(told)) expect(event).toEqual({ hostId: next.me.id, previousHostId: host.me.id });
    expect(next.isHost).toBe(true);
    await linksOpen(next, rest.map((g) => g.me.id));
    for (const g of rest) {
      await linksOpen(g, [next.me.id]);
      expect([...g.links.keys()]).toEqual([next.me.id]);
    }
  });
});

test('with no error listener, a refusal from the server is written to the console, once per kind', async () => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    const a = await create({ name: 'A' });
    const b = await join(a.code, 'B');
    for (let i = 0; i < 5; i++) b.setLocked(true); // only the host may: NotHostError, five times
    const renamed = nextEvent(a, 'memberChanged', (m) => m.name === 'B2');
    b.setName('B2'); // one room round trip after the refusals
    await renamed;
    await until(() => warn.mock.calls.length > 0, 'the refusal was written');
    const lines = warn.mock.calls.map(([line]) => String(line)).filter((line) => line.includes('only the host'));
    expect(lines).toHaveLength(1);
  } finally {
    warn.mockRestore();
  }
});

test('one peer refusing a message does not cost the others theirs', async () => {
  const a = await create({ name: 'A', maxPlayers: 3 });
  const b = await join(a.code, 'B');
  const c = await join(a.code, 'C');
  await linksOpen(a, [b.me.id, c.me.id]);
  await linksOpen(c, [a.me.id]);
  // The link to B refuses everything, as a link whose peer takes only smaller messages would.
  const toB = a.links.get(b.me.id)!;
  const refuse = () => {
    throw new MessageTooLargeError('state', 100_000, 65_536);
  };
  Object.assign(toB.state, { send: refuse });
  Object.assign(toB.events, { emit: refuse });
  const errors: { name: string; peerId: string | undefined }[] = [];
  a.on('error', ({ error, peerId }) => errors.push({ name: error.name, peerId }));
  const cGotState = new Promise<number>((resolve) => c.links.get(a.me.id)!.state.onMessage(({ payload }) => resolve(payload.x)));
  const cGotEvent = new Promise<string>((resolve) => c.links.get(a.me.id)!.events.on('hello', resolve));
  expect(a.sendState({ x: 7 })).toBe(1);
  expect(a.emit('hello', 'to all')).toBe(1);
  expect(await cGotState).toBe(7);
  expect(await cGotEvent).toBe('to all');
  expect(errors).toEqual([
    { name: 'MessageTooLargeError', peerId: b.me.id },
    { name: 'MessageTooLargeError', peerId: b.me.id },
  ]);
});

test('a link that keeps failing is retried with growing waits, then given up on with linkFailed; retryLink tries again', async () => {
  const retry = { baseDelayMs: 100, maxDelayMs: 400, maxAttempts: 3 };
  const created: { at: number; peer: string }[] = [];
  // Relay-only links with no TURN server gather no candidates: they can never connect.
  const failingLobby = (who: string) =>
    createLobby<Game>({
      url: server().url,
      linkRetry: retry,
      random: () => 1, // no jitter: each wait is the full backoff
      // Not even through the lobby's relay (where the link would open at once).
      relay: 'off',
      link: { iceTransportPolicy: 'relay', connectTimeoutMs: 300 },
      createLink: (init) => {
        created.push({ at: Date.now(), peer: who });
        return createNodeLink<Game>(init);
      },
    });
  const a = track(await failingLobby('a').create({ name: 'A' }));
  const b = track(await failingLobby('b').join(a.code, { name: 'B' }));
  // The member with the lower id offers; its side's retries are the ones it decides on.
  const [initiator, other] = initiates(a.me.id, b.me.id) ? [a, b] : [b, a];
  const side = initiator === a ? 'a' : 'b';
  const failed = await nextEvent(initiator, 'linkFailed', undefined, 15_000);
  expect(failed).toMatchObject({ peerId: other.me.id, attempts: 3, reason: 'timeout' });
  expect(failed.error?.name).toBe('ConnectTimeoutError');
  const tries = created.filter((c) => c.peer === side).map((c) => c.at);
  expect(tries).toHaveLength(3);
  // Each retry waited out the link's connect timeout and at least its backoff, which doubles.
  expect(tries[1]! - tries[0]!).toBeGreaterThanOrEqual(300 + 100);
  expect(tries[2]! - tries[1]!).toBeGreaterThanOrEqual(300 + 200);
  // Given up: nothing more on its own...
  await new Promise((r) => setTimeout(r, 1000));
  expect(created.filter((c) => c.peer === side)).toHaveLength(3);
  // ...until the game asks.
  initiator.retryLink(other.me.id);
  expect(created.filter((c) => c.peer === side)).toHaveLength(4);
}, deadline(30_000));

test('link retry waits double from the base, are capped, and jittered between half and all', () => {
  const policy = { baseDelayMs: 500, maxDelayMs: 8000, maxAttempts: 6 };
  expect([1, 2, 3, 4, 5, 6, 9].map((n) => linkRetryDelayMs(policy, n, () => 1))).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
  expect(linkRetryDelayMs(policy, 1, () => 0)).toBe(250);
  expect(linkRetryDelayMs(policy, 3, () => 0.5)).toBe(1500);
});

test('createLobby refuses, by name, a URL without a scheme and a place with no WebRTC', () => {
  for (const url of ['localhost:2567', '127.0.0.1', 'ftp://x', '']) expect(() => createLobby({ url }), url).toThrow(InvalidOptionsError);
  expect(() => createLobby({ url: 'ws://127.0.0.1:2567' })).not.toThrow();
  // Node has no RTCPeerConnection: the browser entry point says to import the Node one.
  expect(() => createBrowserLobby({ url: server().url })).toThrow(WebRtcUnavailableError);
  expect(() => createBrowserLobby({ url: server().url })).toThrow(/@rallypoint\/lobby\/node/);
  expect(() => createBrowserLobby({ url: server().url, createLink: (init) => createNodeLink(init) })).not.toThrow();
});

test('createLobby refuses numeric options out of their documented range, by name, and takes the edges', () => {
  const url = 'http://127.0.0.1:2567';
  const refused = (init: Omit<Parameters<typeof createLobby>[0], 'url'>) => () => createLobby({ url, ...init });
  expect(refused({ joinTimeoutMs: 0 })).toThrow(new InvalidOptionsError('joinTimeoutMs must be a number (milliseconds), more than 0; got 0'));
  expect(refused({ turnFallbackMs: -1 })).toThrow(/turnFallbackMs .* at least 0; got -1/);
  expect(refused({ linkRetry: { maxAttempts: 0 } })).toThrow(/linkRetry.maxAttempts must be a whole number/);
  expect(refused({ linkRetry: { baseDelayMs: Number.POSITIVE_INFINITY } })).toThrow(/linkRetry.baseDelayMs/);
  expect(refused({ voice: { speakingLevel: 2 } })).toThrow(/voice.speakingLevel .* 0 to 1; got 2/);
  expect(refused({ voice: { levelIntervalMs: 0 } })).toThrow(/voice.levelIntervalMs/);
  // The links' options too, when the lobby is made: not later, from inside a message handler.
  expect(refused({ link: { heartbeatIntervalMs: 0 } })).toThrow(new InvalidOptionsError('link.heartbeatIntervalMs must be a number (milliseconds), more than 0; got 0'));
  for (const init of [{ turnFallbackMs: 0 }, { linkRetry: { maxAttempts: 1, baseDelayMs: 0 } }, { voice: { speakingLevel: 0, speakingHoldMs: 0 } }, { voice: { speakingLevel: 1 } }]) expect(refused(init)).not.toThrow();
});
