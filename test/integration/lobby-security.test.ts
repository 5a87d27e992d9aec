/**
 * The lobby server against an attacker from outside (loopback only), each case one that used to
 * end it, freeze it, or hand one member's place to another: malformed HTTP, msgpack pointer DAGs,
 * restore claims without proof, big request heads and connection hogs, and what a private room
 * shows to someone without its code.
 */
import { connect, type Socket } from 'node:net';
import { expect, test } from 'vitest';
import { Client, type Room } from 'colyseus.js';
import { Packr } from 'msgpackr';
import { WebSocket } from 'ws';
import { TooManyConnectionsError, createLobby } from '@rallypoint/lobby/node';
import { LobbyCloseCode, LobbyErrorCode, LobbyLimits, RoomName, generateRoomCode, type Restore, type RoomStatus } from '@rallypoint/protocol';
import { startServer } from '../helpers/lobby-server.js';
import { serverForFile } from '../helpers/server-per-file.js';
import { startPingPong } from '../helpers/ping-pong.js';
import { rawMember, ROOM_DATA, roomFrame } from '../helpers/raw-member.js';
import { rawRequest, requestHead } from '../helpers/raw-http.js';
import { deadline, until } from '../helpers/wait.js';

/**
 * A bound on a stall that only a broken defence crosses: before the fixes, each hostile input
 * here stalled the server for seconds (up to 7.6 s). The measured figure is printed; its goal
 * (50 ms) is tracked by `npm run bench -- lobby.hostile`, where timing belongs.
 */
const STALL_BOUND_MS = 1000;

const server = serverForFile();

const member = (join: (client: Client) => Promise<Room>) => rawMember(server().url, join);
const createRoom = (name: string, options: Record<string, unknown> = {}) => member((client) => client.create(RoomName.Game, { name, maxPlayers: 4, ...options }));
const joinRoom = (code: string, name: string) => member((client) => client.joinById(code, { name }));
const roomStatus = async (code: string) => ((await (await fetch(`${server().url}/rooms/${code}`)).json()) as RoomStatus).status;

test('malformed request lines, paths and escapes are answered; no request ends the server', async () => {
  const host = await createRoom('host');
  const code = host.welcome.code;
  const upgrade = { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' };
  const requests: [string, Record<string, string>?, string?][] = [
    ['GET //a:99999 HTTP/1.1'],
    ['HEAD //a:99999 HTTP/1.1'],
    ['GET //a:99999/healthz HTTP/1.1'],
    ['GET //:0/rooms/ABCDEF HTTP/1.1'],
    ['GET //[::1 HTTP/1.1'],
    ['GET /rooms/%E0%A4%A HTTP/1.1'],
    ['GET /rooms/%ZZ HTTP/1.1'],
    ['GET /rooms/% HTTP/1.1'],
    ['GET /rooms/%F0%9F%98 HTTP/1.1'],
    ['GET /rooms/%00%00 HTTP/1.1'],
    ['GET /%ZZ HTTP/1.1'],
    ['GET /%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd HTTP/1.1'],
    ['GET /healthz%ZZ HTTP/1.1'],
    ['GET /index.html% HTTP/1.1'],
    ['GET ?x=%ZZ HTTP/1.1'],
    ['GET * HTTP/1.1'],
    ['OPTIONS * HTTP/1.1'],
    ['GET http://a:99999/healthz HTTP/1.1'],
    ['GET http://[::1/ HTTP/1.1'],
    ['CONNECT a:99999 HTTP/1.1'],
    ['GET /matchmake/%ZZ HTTP/1.1'],
    ['GET /matchmake?%E0 HTTP/1.1'],
    ['POST /matchmake HTTP/1.1', { 'Content-Length': '1' }, '{'],
    ['POST /matchmake/joinById/%ZZ HTTP/1.1', { 'Content-Length': '4' }, 'null'],
    ['POST /matchmake/create/game HTTP/1.1', { 'Content-Length': '2' }, '[]'],
    ['POST /matchmake/constructor/__proto__ HTTP/1.1', { 'Content-Length': '2' }, '{}'],
    ['POST //a:99999/matchmake/create/game HTTP/1.1', { 'Content-Length': '2' }, '{}'],
    ['DELETE //a:99999 HTTP/1.1'],
    ['GET //a:99999 HTTP/1.1', upgrade],
    ['GET /%ZZ/%ZZ?sessionId=%ZZ HTTP/1.1', upgrade],
    ['GET http://[::1/x HTTP/1.1', upgrade],
  ];
  for (const [line, headers, body] of requests) {
    const reply = await rawRequest(server().port, requestHead(line, headers), body);
    expect(reply.status, `${line}: ${reply.head}`).toBeGreaterThanOrEqual(100);
    expect(server().child.exitCode, `the server exited after ${line}`).toBeNull();
  }
  expect(await server().metric('rallypoint_http_bad_requests_total')).toBeGreaterThan(0);
  const health = await fetch(`${server().url}/healthz`);
  expect(health.status).toBe(200);
  // The room made before is still there, and takes a new player.
  expect(await roomStatus(code)).toBe('open');
  const guest = await joinRoom(code, 'guest');
  expect(guest.welcome.members.map((m) => m.name)).toEqual(['host', 'guest']);
  await Promise.all([guest.room.leave(true), host.room.leave(true)]);
}, deadline(60_000));

test('a msgpack pointer DAG, with or without a trailing byte, is refused at once; other rooms are not held up', async () => {
  const c = await createRoom('C');
  const d = await joinRoom(c.welcome.code, 'D');
  const pingPong = startPingPong(c, d);
  await pingPong.more(5, 'the other room exchanges signals');
  const host = await createRoom('host');
  const mallory = await joinRoom(host.welcome.code, 'mallory');

  // A kilobyte of shared references that expands to 45^5 (185 million) leaves if walked; six
  // levels deep with its envelope, within what a signal may nest.
  const cloning = new Packr({ structuredClone: true, useRecords: false });
  let dag: unknown = 'x';
  for (let level = 0; level < 5; level++) {
    const inner = dag;
    dag = Array.from({ length: 45 }, () => inner);
  }
  const payload = cloning.pack({ to: host.id, data: { type: 'offer', sdp: dag } });
  expect(payload.byteLength).toBeLessThan(LobbyLimits.signalMaxBytes);
  const frames = { dag: roomFrame(ROOM_DATA, 'signal', payload), trailing: roomFrame(ROOM_DATA, 'signal', [...payload, 0xc0]) };
  for (const [name, bytes] of Object.entries(frames)) {
    const since = pingPong.roundTrips.length;
    const sentAt = performance.now();
    const error = await mallory.expectError(() => mallory.sendRaw(bytes));
    const refusedMs = performance.now() - sentAt;
    await pingPong.more(3, `the other room exchanges signals after the ${name} frame`);
    const worst = pingPong.worstSince(since);
    console.log(`lobby-security: ${name} frame refused (${error.code}) in ${refusedMs.toFixed(1)} ms; other room's worst round trip meanwhile ${worst.toFixed(1)} ms`);
    expect(error.code, name).toBe(LobbyErrorCode.UndecodableMessage);
    expect(refusedMs, `${name}: refused in`).toBeLessThan(STALL_BOUND_MS);
    expect(worst, `${name}: the other room's worst round trip`).toBeLessThan(STALL_BOUND_MS);
  }
  expect(host.signals).toEqual([]);
  pingPong.stop();
  await Promise.all([c, d, host, mallory].map((m) => m.room.leave(true)));
}, deadline(60_000));

test('a restore claim must prove the place it claims: nobody takes over a present member, the host included', async () => {
  const host = await createRoom('host');
  const code = host.welcome.code;
  const guest = await joinRoom(code, 'guest');
  const mallory = await joinRoom(code, 'mallory');
  const claim = (restore: Record<string, unknown>) => new Client(server().url).joinById(code, { name: 'M', restore });
  const { token: _token, ...hostPlace } = host.welcome.restore;
  await expect(claim(hostPlace), 'no token').rejects.toMatchObject({ code: LobbyErrorCode.InvalidJoinOptions });
  for (const token of ['A'.repeat(43), mallory.welcome.restore.token, guest.welcome.restore.token]) {
    await expect(claim({ ...hostPlace, token }), 'a token that is not the host\'s').rejects.toMatchObject({ code: LobbyErrorCode.RestoreRefused });
  }
  await expect(claim({ ...mallory.welcome.restore, order: 0 }), 'own id, a better order').rejects.toMatchObject({ code: LobbyErrorCode.RestoreRefused });
  await expect(claim({ ...mallory.welcome.restore, room: { ...mallory.welcome.restore.room, hostId: mallory.id } }), 'own claim, itself as host').rejects.toMatchObject({ code: LobbyErrorCode.RestoreRefused });
  await expect(claim({ ...mallory.welcome.restore, expiresAt: mallory.welcome.restore.expiresAt + 3_600_000 }), 'own claim, an hour longer').rejects.toMatchObject({ code: LobbyErrorCode.RestoreRefused });
  // Even the host's own claim is refused while the host is there, and touches nothing.
  await expect(claim(host.welcome.restore)).rejects.toMatchObject({ code: LobbyErrorCode.MemberStillPresent });

  // The host is still connected, still the host, and gets what is sent to its id.
  guest.room.send('signal', { to: host.id, data: { type: 'probe' } });
  await until(() => host.signals.some((s) => s.from === guest.id && s.data.type === 'probe'), 'the host gets the signal sent to it');
  expect(host.closedWith).toBeUndefined();
  for (const m of [guest, mallory]) expect(m.received.filter(([type]) => type === 'member.left' || type === 'host.changed')).toEqual([]);
  expect(mallory.signals).toEqual([]);
  expect(await server().metric('rallypoint_restores_refused_total')).toBeGreaterThanOrEqual(7);
  // Each member's token is its own, and reaches nobody else (renewed claims included).
  const tokens = [host, guest, mallory].map((m) => m.welcome.restore.token);
  expect(new Set(tokens).size).toBe(3);
  const hostTokens = host.received.filter(([type]) => type === 'restore').map(([, claim]) => (claim as Restore).token);
  expect(hostTokens.length).toBeGreaterThan(0); // renewed as the others joined
  for (const other of [guest, mallory]) for (const token of [host.welcome.restore.token, ...hostTokens]) expect(JSON.stringify(other.received)).not.toContain(token);
  await Promise.all([host, guest, mallory].map((m) => m.room.leave(true)));
});

test('a refused claim leaves a dropped member\'s own reconnection intact', async () => {
  const host = await createRoom('host');
  const code = host.welcome.code;
  const guest = await joinRoom(code, 'guest');
  const reconnectionToken = guest.room.reconnectionToken;
  // The guest's connection drops (not a leave): it has the reconnection window to come back.
  (guest.room.connection.transport as unknown as { ws: { terminate(): void } }).ws.terminate();
  await until(() => server().logs.some((l) => l.msg === 'member connection lost; its seat waits' && l.member === guest.id), 'the server holds the seat');
  const claim = (token: string) => new Client(server().url).joinById(code, { name: 'M', restore: { ...guest.welcome.restore, token } });
  // A stranger claims the guest's place, with made-up tokens and with its own.
  const stranger = await joinRoom(code, 'stranger');
  for (const token of ['B'.repeat(43), stranger.welcome.restore.token]) await expect(claim(token)).rejects.toMatchObject({ code: LobbyErrorCode.RestoreRefused });
  // The guest's own claim, while its seat waits: refused without touching the seat.
  await expect(claim(guest.welcome.restore.token)).rejects.toMatchObject({ code: LobbyErrorCode.MemberStillPresent });

  const back = await new Client(server().url).reconnect(reconnectionToken);
  back.onMessage('*', () => undefined);
  expect(back.sessionId).toBe(guest.id);
  expect(host.received.filter(([type]) => type === 'member.left')).toEqual([]);
  await Promise.all([back.leave(true), host.room.leave(true), stranger.room.leave(true)]);
});

test('a member with a valid claim gets back into a room the host locked meanwhile; a stranger, or a forged claim, does not', async () => {
  const host = await createRoom('host');
  const code = host.welcome.code;
  const guest = await joinRoom(code, 'guest');
  const claim = guest.welcome.restore;
  await guest.room.leave(true);
  // The guest's socket closes before the room has let it go: until then its claim would find it present.
  await until(() => host.received.some(([type, payload]) => type === 'member.left' && (payload as { id: string }).id === guest.id), 'the room lets the guest go');
  host.room.send('lock', { locked: true });
  // The lock renews every claim: the host's next one says the room is locked.
  await until(() => host.received.some(([type, payload]) => type === 'restore' && (payload as Restore).room.locked), 'the host hears of the lock');
  expect(await roomStatus(code)).toBe('closed');
  await expect(new Client(server().url).joinById(code, { name: 'S' }), 'a stranger').rejects.toMatchObject({ message: expect.stringContaining('locked') });
  await expect(new Client(server().url).joinById(code, { name: 'M', restore: { ...claim, order: 0 } }), 'a forged claim').rejects.toMatchObject({ code: LobbyErrorCode.RestoreRefused });
  const back = await rawMember(server().url, (client) => client.joinById(code, { name: 'guest', restore: claim }));
  expect(back.id).toBe(guest.id);
  await Promise.all([back.room.leave(true), host.room.leave(true)]);
});

test('a room code is only re-formed with the proof of a place in that room', async () => {
  const owner = await createRoom('owner');
  let free: string;
  do free = generateRoomCode((n) => Math.floor(Math.random() * n));
  while ((await roomStatus(free)) !== 'not-found');
  const squat = (restore: Record<string, unknown>) => new Client(server().url).create(RoomName.Game, { name: 'M', restore });
  await expect(squat({ ...owner.welcome.restore, code: free, memberId: 'abcdEFGH1', token: 'C'.repeat(43) })).rejects.toMatchObject({ code: LobbyErrorCode.RestoreRefused });
  // A real token opens no other code than its own room's.
  await expect(squat({ ...owner.welcome.restore, code: free })).rejects.toMatchObject({ code: LobbyErrorCode.RestoreRefused });
  expect(await roomStatus(free)).toBe('not-found');
  await owner.room.leave(true);
});

test('request heads over the limit are refused, and one address cannot hold every connection', async () => {
  const perAddress = 8;
  const limited = await startServer(['--connections-per-address', String(perAddress)]);
  const held: Socket[] = [];
  try {
    const big = await rawRequest(limited.port, requestHead('GET /healthz HTTP/1.1', { 'X-Padding': 'a'.repeat(LobbyLimits.httpMaxHeaderBytes) }));
    expect(big.status).toBe(431);
    const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`X-H${i}`, 'x']));
    expect((await rawRequest(limited.port, requestHead('GET /healthz HTTP/1.1', many))).status).toBe(200);

    // Connections that send half a request and wait (slowloris): past the limit, another limit's
    // worth wait for the answer they will never complete; the rest are closed at once.
    const attempts = 20;
    const closed = new Set<Socket>();
    for (let i = 0; i < attempts; i++) {
      const socket = connect(limited.port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.on('close', () => closed.add(socket));
      socket.resume(); // read what comes (a 408), so the server's end of the connection is seen
      socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      held.push(socket);
    }
    await until(() => closed.size >= attempts - 2 * perAddress, 'the connections past twice the limit are closed');
    await new Promise((r) => setTimeout(r, 200));
    expect(attempts - closed.size).toBeLessThanOrEqual(2 * perAddress);
    // The half-requests that were let in are closed by the headers timeout, not kept forever.
    await until(() => closed.size === attempts, 'the server closes requests whose headers never end', LobbyLimits.httpHeadersTimeoutMs + 5000);
    // And the address may connect again, once the server has let go of them too (it counts a
    // connection until its own end closes, which a busy machine does a moment after ours).
    await expect.poll(() => fetch(`${limited.url}/healthz`).then((response) => response.status, () => 'refused'), { timeout: deadline(10_000) }).toBe(200);
    expect(await limited.metric('rallypoint_connections_refused_total')).toBeGreaterThanOrEqual(attempts - perAddress);
  } finally {
    for (const socket of held) socket.destroy();
    await limited.stop();
  }
}, deadline(60_000));

test('over the connection limit, a request gets 429 and a WebSocket close 4430, both naming the flag; the lobby client says TooManyConnectionsError', async () => {
  const perAddress = 6;
  const limited = await startServer(['--connections-per-address', String(perAddress)]);
  const held: Socket[] = [];
  try {
    // Each held connection is answered once (so the server has surely counted it), then starts a
    // second request and waits there: it stays open for the headers timeout.
    for (let i = 0; i < perAddress; i++) {
      const socket = connect(limited.port, '127.0.0.1');
      socket.on('error', () => undefined);
      held.push(socket);
      const answered = new Promise((resolve) => socket.once('data', resolve));
      socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      await answered;
      socket.write('GET /healthz HTTP/1.1\r\n');
    }
    const refused = await rawRequest(limited.port, requestHead('GET /healthz HTTP/1.1'));
    expect(refused.status).toBe(429);
    const socket = new WebSocket(`ws://127.0.0.1:${limited.port}/anything/room?sessionId=x`);
    socket.on('error', () => undefined);
    const close = await new Promise<{ code: number; reason: string }>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    expect(close.code).toBe(LobbyCloseCode.TooManyConnections);
    expect(close.reason).toContain('--connections-per-address');
    const error = await createLobby({ url: limited.url, joinTimeoutMs: 5000 })
      .create({ name: 'A' })
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(TooManyConnectionsError);
    expect((error as Error).message).toContain('--connections-per-address');
    // (Read from the log, which arrives when it does: a metrics request from here would be over the limit too.)
    await until(() => limited.logs.filter((l) => l.msg === 'too many connections from one address').length >= 3, 'the server logged three refusals');
  } finally {
    for (const socket of held) socket.destroy();
    await limited.stop();
  }
}, deadline(30_000));

test('nothing about a private room shows without its code', async () => {
  const lobby = () => createLobby({ url: server().url });
  const list = await lobby().list({});
  const secret = await lobby().create({ name: 'S', private: true, mode: 'hide' });
  try {
    const found = await lobby().quickMatch({ name: 'Q', mode: 'hide' });
    expect(found.code).not.toBe(secret.code);
    await until(() => list.rooms.some((r) => r.code === found.code), 'the public room is listed');
    expect(list.rooms.map((r) => r.code)).not.toContain(secret.code);
    const seen = [
      await (await fetch(`${server().url}/healthz`)).text(),
      await server().metrics(),
      await (await fetch(`${server().url}/`)).text(),
      (await rawRequest(server().port, requestHead('GET /matchmake/game HTTP/1.1'))).head,
      (await rawRequest(server().port, requestHead('GET /matchmake/ HTTP/1.1'))).head,
    ].join('\n');
    expect(seen).not.toContain(secret.code);
    expect(seen).not.toContain(secret.me.id);
    // With the code, the room's status is known: that is what a code is for.
    expect(await roomStatus(secret.code)).toBe('open');
    await found.leave();
  } finally {
    list.close();
    await secret.leave();
  }
});
