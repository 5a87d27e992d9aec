/**
 * Hostile members against the relay, on the real server with a small relay budget: a member
 * cannot relay into another room, cannot get more than its budget through, and its flood does not
 * hold up signals or relayed traffic in another room. Malformed relay frames get named errors.
 */
import type { Client, Room } from 'colyseus.js';
import { createLobby } from '@rallypoint/lobby/node';
import { ClientMessage, LobbyCloseCode, LobbyErrorCode, RELAY_MESSAGE, RoomName, ServerMessage, decodeRelayFrame, encodeRelayFrame, type RelayFrame } from '@rallypoint/protocol';
import { expect, test } from 'vitest';
import { ROOM_DATA_BYTES, rawMember, roomFrame } from '../helpers/raw-member.js';
import { serverForFile } from '../helpers/server-per-file.js';
import { linksOpen } from '../helpers/session.js';
import { deadline, until } from '../helpers/wait.js';

const BUDGET = 64 * 1024; // bytes a second; the bucket holds two seconds of it
const server = serverForFile(['--relay-bytes-per-second', String(BUDGET)]);

/** A raw member that also collects the relay frames it is sent. */
async function relayMember(join: (client: Client) => Promise<Room>) {
  const member = await rawMember(server().url, join);
  const frames: RelayFrame[] = [];
  member.room.onMessage(RELAY_MESSAGE, (bytes: Uint8Array) => {
    const frame = decodeRelayFrame(bytes);
    if (typeof frame !== 'string') frames.push({ ...frame, frame: frame.frame.slice() });
  });
  const relay = (to: string, frame: Uint8Array, lane: RelayFrame['lane'] = 'events') => member.room.sendBytes(RELAY_MESSAGE, encodeRelayFrame(lane, to, frame));
  return { member, frames, relay };
}

const pair = async () => {
  const a = await relayMember((client) => client.create(RoomName.Game, { name: 'A' }));
  const b = await relayMember((client) => client.joinById(a.member.room.roomId, { name: 'B' }));
  return { a, b };
};

const metric = async (name: string) => Number(new RegExp(`^${name.replace(/[{}"]/g, (c) => `\\${c}`)} (\\d+)`, 'm').exec(await server().metrics())?.[1] ?? 0);

test('the welcome says what the relay offers; a frame reaches its member, with the sender named', async () => {
  const { a, b } = await pair();
  expect(a.member.welcome.relay).toMatchObject({ bytesPerSecond: BUDGET, maxMessageBytes: expect.any(Number) });
  a.relay(b.member.id, new Uint8Array([1, 2, 3]));
  await until(() => b.frames.length === 1, 'the frame arrived');
  expect(b.frames[0]).toEqual({ lane: 'events', memberId: a.member.id, frame: new Uint8Array([1, 2, 3]) });
});

test('a member cannot relay into another room, to itself, or with a malformed frame', async () => {
  const { a } = await pair();
  const other = await pair();
  const { RelayRefused, InvalidMessage } = LobbyErrorCode;
  const into = await a.member.expectError(() => a.relay(other.a.member.id, new Uint8Array([9])));
  expect(into).toMatchObject({ code: RelayRefused, type: RELAY_MESSAGE });
  expect(into.message).toContain('no member');
  // Refusal replies come once a second at most: wait out the second before the next.
  await new Promise((r) => setTimeout(r, 1100));
  expect(await a.member.expectError(() => a.relay(a.member.id, new Uint8Array([9])))).toMatchObject({ code: RelayRefused });
  const malformed: Array<[string, number[]]> = [
    ['no such lane', [7, 1, 0x41, 1]],
    ['an empty id', [0, 0, 1]],
    ['an id longer than the frame', [0, 200, 0x41]],
    ['no data', [0, 1, 0x41]],
    ['an id that is not UTF-8', [0, 1, 0xff, 1]],
  ];
  for (const [name, bytes] of malformed) {
    const error = await a.member.expectError(() => a.member.sendRaw(roomFrame(ROOM_DATA_BYTES, RELAY_MESSAGE, bytes)));
    expect(error.code, name).toBe(InvalidMessage);
  }
  await new Promise((r) => setTimeout(r, 200));
  expect(other.a.frames).toEqual([]);
  expect(other.b.frames).toEqual([]);
  expect(a.member.closedWith).toBeUndefined();
});

test('a member gets no more than its budget through, and is told; the rest is dropped and counted', async () => {
  const { a, b } = await pair();
  const droppedBefore = await metric('rallypoint_relay_dropped_total{reason="budget"}');
  const chunk = new Uint8Array(8 * 1024);
  const startedAt = Date.now();
  // 1 MiB at once: sixteen times what two seconds of budget allow.
  for (let i = 0; i < 128; i++) a.relay(b.member.id, chunk);
  await until(() => a.member.errors.some((e) => e.code === LobbyErrorCode.RelayRefused), 'the sender was told');
  await new Promise((r) => setTimeout(r, 500));
  const elapsedS = (Date.now() - startedAt) / 1000;
  const through = b.frames.reduce((sum, f) => sum + f.frame.byteLength, 0);
  expect(through).toBeGreaterThan(0);
  expect(through).toBeLessThanOrEqual(BUDGET * 2 + BUDGET * elapsedS + chunk.byteLength);
  expect(await metric('rallypoint_relay_dropped_total{reason="budget"}')).toBeGreaterThan(droppedBefore);
  expect(a.member.errors.find((e) => e.code === LobbyErrorCode.RelayRefused)?.message).toContain('budget');
  expect(a.member.closedWith).toBeUndefined();
});

test('a relay flood in one room holds up neither signals nor relayed traffic in another', async () => {
  const flood = await pair();
  const game = await pair();
  let flooding = true;
  const chunk = new Uint8Array(12 * 1024);
  const floodTick = () => {
    if (!flooding) return;
    for (let i = 0; i < 50; i++) flood.a.relay(flood.b.member.id, chunk);
    setTimeout(floodTick, 1);
  };
  floodTick();
  // The other game: 50 relayed round trips and 50 signals while the flood goes on.
  for (let n = 0; n < 50; n++) {
    const frames = game.b.frames.length;
    game.a.relay(game.b.member.id, new Uint8Array([n]), 'state');
    game.a.member.room.send(ClientMessage.Signal, { to: game.b.member.id, data: { type: 'ping', n } });
    await until(() => game.b.frames.length > frames && game.b.member.signals.length > n, `round ${n} arrived`, 5000);
  }
  flooding = false;
  expect(game.b.frames.map((f) => f.frame[0])).toEqual(Array.from({ length: 50 }, (_, n) => n));
  expect(game.b.member.signals.map((s) => s.data.n)).toEqual(Array.from({ length: 50 }, (_, n) => n));
  expect(game.a.member.errors.filter((e) => e.code !== LobbyErrorCode.RelayRefused)).toEqual([]);
  // The flood itself was cut at its budget.
  expect(flood.a.member.errors.some((e) => e.code === LobbyErrorCode.RelayRefused)).toBe(true);
  expect(game.b.member.received.filter(([type]) => type === ServerMessage.Error)).toEqual([]);
});


test('a member flooding the relay far over its budget is cut off with the abuse close code, and stays out', async () => {
  const { a, b } = await pair();
  const cutBefore = await metric('rallypoint_clients_disconnected_for_abuse_total');
  const frame = new Uint8Array(1024);
  // Far over budget (64 KiB/s): thousands of frames a second until the server closes the socket.
  while (a.member.closedWith === undefined) {
    for (let i = 0; i < 200; i++) a.relay(b.member.id, frame);
    await new Promise((r) => setTimeout(r, 5));
    if (b.member.closedWith !== undefined) break;
  }
  expect(a.member.closedWith).toBe(LobbyCloseCode.Abuse);
  expect(b.member.closedWith).toBeUndefined();
  expect(await metric('rallypoint_clients_disconnected_for_abuse_total')).toBe(cutBefore + 1);
  // What got through before the cut stayed within the budget's bucket and refill.
  const through = b.frames.reduce((sum, f) => sum + f.frame.byteLength, 0);
  expect(through).toBeLessThanOrEqual(BUDGET * 4);
});

test('an honest relayed pair sending at its full budget for 60 s is never cut off', async () => {
  type Game = { state: { blob: Uint8Array }; events: { tick: number } };
  const cutBefore = await metric('rallypoint_clients_disconnected_for_abuse_total');
  const lobby = () => createLobby<Game>({ url: server().url, relay: 'always' });
  const a = await lobby().create({ name: 'A' });
  const b = await lobby().join(a.code, { name: 'B' });
  try {
    await linksOpen(a, [b.me.id]);
    await linksOpen(b, [a.me.id]);
    const received = { a: 0, b: 0, events: 0 };
    a.links.get(b.me.id)!.state.onMessage(() => received.a++);
    b.links.get(a.me.id)!.state.onMessage(() => received.b++);
    b.links.get(a.me.id)!.events.on('tick', () => received.events++);
    const blob = new Uint8Array(2048);
    const startedAt = Date.now();
    let ticks = 0;
    // 2 KiB of state both ways every 5 ms (400 KiB/s offered against 64 KiB/s), an event every 100 ms.
    while (Date.now() - startedAt < 60_000) {
      a.sendState({ blob });
      b.sendState({ blob });
      if (Date.now() - startedAt > ticks * 100) a.emit('tick', ticks++);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect([a.status, b.status]).toEqual(['joined', 'joined']);
    expect(await metric('rallypoint_clients_disconnected_for_abuse_total')).toBe(cutBefore);
    // It really ran at its budget: about 64 KiB/s of 2 KiB states each way (well over half of it).
    expect(Math.min(received.a, received.b)).toBeGreaterThan(((BUDGET / blob.byteLength) * 60) / 2);
    await until(() => received.events === ticks, 'every event arrived, in the end', 30_000);
  } finally {
    await Promise.all([a.leave(), b.leave()]);
  }
}, deadline(120_000));
