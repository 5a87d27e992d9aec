/**
 * Hostile clients against the real lobby server: every malformed message gets a named error and
 * a count in /metrics, the sender's connection stays up until it has abused its budget, and a game
 * in another room keeps exchanging signals through all of it.
 */
import { expect, test } from 'vitest';
import { Client, type Room } from 'colyseus.js';
import { ClientMessage, LobbyCloseCode, LobbyErrorCode, LobbyLimits, RoomName, ServerMessage } from '@rallypoint/protocol';
import { serverForFile } from '../helpers/server-per-file.js';
import { ROOM_DATA, ROOM_DATA_BYTES, rawMember, roomFrame } from '../helpers/raw-member.js';
import { deadline, until } from '../helpers/wait.js';

const server = serverForFile();

const member = (join: (client: Client) => Promise<Room>) => rawMember(server().url, join);

test('malformed and hostile messages get named errors; the server and other rooms carry on', async () => {
  // A game in another room, relaying signals back and forth the whole time, within its budget.
  const paced = (fn: () => void) => setTimeout(fn, 1000 / (LobbyLimits.messagesPerSecond / 2));
  const c = await member((client) => client.create(RoomName.Game, { name: 'C' }));
  const d = await member((client) => client.joinById(c.room.roomId, { name: 'D' }));
  let pingPong = true;
  c.room.onMessage(ServerMessage.Signal, ({ data }: { data: { n: number } }) => {
    if (pingPong) paced(() => c.room.send(ClientMessage.Signal, { to: d.id, data: { type: 'ping', n: data.n + 1 } }));
  });
  d.room.onMessage(ServerMessage.Signal, ({ data }: { data: { n: number } }) => {
    if (pingPong) paced(() => d.room.send(ClientMessage.Signal, { to: c.id, data: { type: 'ping', n: data.n + 1 } }));
  });
  c.room.send(ClientMessage.Signal, { to: d.id, data: { type: 'ping', n: 0 } });
  await until(() => d.signals.length > 5, 'the other game exchanges signals');

  const host = await member((client) => client.create(RoomName.Game, { name: 'host', maxPlayers: 4 }));
  const bad = await member((client) => client.joinById(host.room.roomId, { name: 'mallory' }));
  const send = (type: string | number, payload?: unknown) => () => bad.room.send(type, payload);
  const raw = (bytes: Uint8Array | string) => () => bad.sendRaw(bytes);
  let nested: unknown = { type: 'x' };
  for (let i = 0; i < 10; i++) nested = { type: 'x', inner: nested };
  const validSignal = (data: unknown, to = host.id) => send(ClientMessage.Signal, { to, data });
  const { InvalidMessage, UnknownMessageType, MessageTooLarge, UndecodableMessage, SignalTargetUnknown, NotHost } = LobbyErrorCode;

  const cases: [string, () => void, number[]][] = [
    ['unknown type', send('hack'), [UnknownMessageType]],
    ['prototype key as type', send('__proto__', {}), [UnknownMessageType]],
    ['constructor as type', send('constructor', {}), [UnknownMessageType]],
    ['numeric type', send(7, {}), [UnknownMessageType]],
    ['signal without payload', send(ClientMessage.Signal), [InvalidMessage]],
    ['signal payload is a string', send(ClientMessage.Signal, 'offer'), [InvalidMessage]],
    ['signal without a target', send(ClientMessage.Signal, { data: { type: 'offer' } }), [InvalidMessage]],
    ['signal target is a number', send(ClientMessage.Signal, { to: 12, data: { type: 'offer' } }), [InvalidMessage]],
    ['signal target is huge', send(ClientMessage.Signal, { to: 'x'.repeat(10_000), data: { type: 'offer' } }), [MessageTooLarge]],
    ['signal data without type', validSignal({ sdp: 'v=0' }), [InvalidMessage]],
    ['signal data type is a number', validSignal({ type: 5 }), [InvalidMessage]],
    ['signal data nested deep', validSignal(nested), [InvalidMessage]],
    ['signal data over the signal limit', validSignal({ type: 'offer', sdp: 'a'.repeat(LobbyLimits.signalMaxBytes + 50) }), [InvalidMessage]],
    ['signal data wide array', validSignal({ type: 'candidate', list: Array.from({ length: 1500 }, (_, i) => i % 100) }), [InvalidMessage]],
    ['signal to myself', validSignal({ type: 'offer', sdp: 'v=0' }, bad.id), [SignalTargetUnknown]],
    ['signal to nobody', validSignal({ type: 'offer', sdp: 'v=0' }, 'nobody123'), [SignalTargetUnknown]],
    ['signal into another room', validSignal({ type: 'offer', sdp: 'v=0' }, c.id), [SignalTargetUnknown]],
    ['ready is a string', send(ClientMessage.Ready, { ready: 'yes' }), [InvalidMessage]],
    ['ready without field', send(ClientMessage.Ready, {}), [InvalidMessage]],
    ['empty name', send(ClientMessage.Profile, { name: '   ' }), [InvalidMessage]],
    ['long name', send(ClientMessage.Profile, { name: 'n'.repeat(LobbyLimits.displayNameMaxLength + 1) }), [InvalidMessage]],
    ['huge name', send(ClientMessage.Profile, { name: 'n'.repeat(9000) }), [MessageTooLarge]],
    ['lock by a non-host', send(ClientMessage.Lock, { locked: true }), [NotHost]],
    ['string longer than the frame', raw(roomFrame(ROOM_DATA, 'signal', [0xd9, 0xff, 0x41])), [UndecodableMessage]],
    ['unknown msgpack extension', raw(roomFrame(ROOM_DATA, 'signal', [0xc7, 0x05, 0x01])), [UndecodableMessage]],
    ['truncated map', raw(roomFrame(ROOM_DATA, 'signal', [0x82, 0xa2, 0x74])), [UndecodableMessage]],
    ['binary payload', raw(roomFrame(ROOM_DATA_BYTES, 'signal', [1, 2, 3])), [UnknownMessageType]],
    ['type header longer than the frame', raw(new Uint8Array([ROOM_DATA, 0xd9, 0xff, 0x41])), [UnknownMessageType]],
    ['arrays nested 5000 deep', raw(roomFrame(ROOM_DATA, 'signal', [...new Array<number>(5000).fill(0x91), 0xc0])), [UndecodableMessage, InvalidMessage]],
    ['unknown protocol code', raw(new Uint8Array([99, 1, 2, 3])), [UndecodableMessage]],
    ['empty frame', raw(new Uint8Array([])), [UndecodableMessage]],
    ['text frame', raw('hello, server'), [UndecodableMessage]],
  ];
  let seen = d.signals.length;
  for (const [i, [name, sendIt, codes]] of cases.entries()) {
    const error = await bad.expectError(sendIt).catch((e: Error) => {
      throw new Error(`${name}: ${e.message}`);
    });
    expect(codes, `${name}: got ${JSON.stringify(error)}`).toContain(error.code);
    // Every few cases, the other game must have moved on meanwhile.
    if (i % 5 === 4) {
      await until(() => d.signals.length > seen, `the other game exchanges signals during the abuse (case ${name})`);
      seen = d.signals.length;
    }
  }
  expect(bad.closedWith).toBeUndefined();

  // A flood: refused past the budget, with a named error...
  const rateLimited = bad.expectError(() => {
    for (let i = 0; i < LobbyLimits.messageBurst + 20; i++) bad.room.send(ClientMessage.Ready, { ready: i % 2 === 0 });
  });
  expect((await rateLimited).code).toBe(LobbyErrorCode.RateLimited);
  // ...and a client that keeps it up is disconnected with the documented code.
  const spam = setInterval(() => {
    if (bad.closedWith === undefined) for (let i = 0; i < 50; i++) bad.room.send('spam', i);
  }, 5);
  try {
    await until(() => bad.closedWith !== undefined, 'the abuser is disconnected');
  } finally {
    clearInterval(spam);
  }
  expect(bad.closedWith).toBe(LobbyCloseCode.Abuse);
  // It keeps no seat: the room sees it gone at once, not after the reconnection window.
  await until(() => host.received.some(([type, p]) => type === ServerMessage.MemberLeft && (p as { id: string }).id === bad.id), 'the abuser leaves the room', 5000);

  // The other game goes on.
  const d2 = d.signals.length;
  await until(() => d.signals.length > d2 + 5, 'the other game still exchanges signals');
  pingPong = false;
  // The room of the abuser is fine too: its host is still there and can be joined.
  const after = await member((client) => client.joinById(host.room.roomId, { name: 'next' }));
  expect(after.id).toBeTruthy();

  const health = (await (await fetch(`${server().url}/healthz`)).json()) as { status: string };
  expect(health.status).toBe('ok');
  for (const reason of ['invalid', 'unknown_type', 'too_large', 'undecodable', 'rate_limited', 'signal_target']) {
    expect(await server().metric('rallypoint_messages_rejected_total', `reason="${reason}"`), reason).toBeGreaterThan(0);
  }
  expect(await server().metric('rallypoint_clients_disconnected_for_abuse_total')).toBe(1);
  expect(await server().metric('rallypoint_signals_relayed_total')).toBeGreaterThanOrEqual(c.signals.length + d.signals.length);
  expect([...c.errors, ...d.errors]).toEqual([]);
  for (const member of [c, d, host, after]) await member.room.leave(true);
}, deadline(60_000));

test('a frame over the transport limit closes only that socket', async () => {
  const host = await member((client) => client.create(RoomName.Game, { name: 'host' }));
  const big = await member((client) => client.joinById(host.room.roomId, { name: 'big' }));
  big.sendRaw(roomFrame(ROOM_DATA, 'signal', new Array<number>(LobbyLimits.frameMaxBytes + 10).fill(0)));
  await until(() => big.closedWith !== undefined, 'the socket closes');
  expect(big.closedWith).toBe(LobbyCloseCode.FrameTooLarge);
  await until(() => host.received.some(([type, p]) => type === ServerMessage.MemberLeft && (p as { id: string }).id === big.id), 'the sender leaves the room', 5000);
  host.room.send(ClientMessage.Ready, { ready: true });
  const healthz = await fetch(`${server().url}/healthz`);
  expect(healthz.status).toBe(200);
  await host.room.leave(true);
});

// The screen is an override of Colyseus' Room._onMessage (protected in 0.16, private in 0.17).
// If an update stopped calling it, Colyseus would decode these frames itself: it closes the
// socket on undecodable bytes and ignores unknown types, so these replies are what pins the seam.
test('the abuse screen sees every message of both room kinds (it pins the seam it depends on)', async () => {
  const game = await member((client) => client.create(RoomName.Game, { name: 'g' }));
  const listing = await new Client(server().url).joinOrCreate(RoomName.Listing, {});
  const listingErrors: { code: number }[] = [];
  let listingClosed: number | undefined;
  listing.onMessage('*', () => undefined);
  listing.onMessage(ServerMessage.Error, (e: { code: number }) => listingErrors.push(e));
  listing.onLeave((code) => (listingClosed = code));
  const undecodable = roomFrame(ROOM_DATA, 'filter', [0xc1]);
  expect((await game.expectError(() => game.sendRaw(undecodable))).code).toBe(LobbyErrorCode.UndecodableMessage);
  expect((await game.expectError(() => game.room.send('hack', {}))).code).toBe(LobbyErrorCode.UnknownMessageType);
  (listing.connection.transport as unknown as { ws: { send(data: Uint8Array): void } }).ws.send(undecodable);
  listing.send('hack', {});
  await until(() => listingErrors.length >= 2, 'the listing room screened both');
  expect(listingErrors.map((e) => e.code)).toEqual([LobbyErrorCode.UndecodableMessage, LobbyErrorCode.UnknownMessageType]);
  expect([game.closedWith, listingClosed]).toEqual([undefined, undefined]);
  await Promise.all([game.room.leave(true), listing.leave(true)]);
});
