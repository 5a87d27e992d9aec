/**
 * `--allow-origins`: which web pages may use the lobby. The real server; requests carry the
 * Origin header a browser would send. A listed origin matchmakes and opens its room's WebSocket;
 * any other page is answered 403 on both (CORS alone would leave the WebSocket open to any
 * site), a 403 it can read, saying why; Node players (no Origin) and the lobby's own pages are
 * let in. Without the flag, any
 * page may, as before.
 */
import { createLobby } from '@rallypoint/lobby/node';
import { LobbyErrorCode } from '@rallypoint/protocol';
import { afterAll, beforeAll, expect, test } from 'vitest';
import WebSocket from 'ws';
import { startServer, type ServerProcess } from '../helpers/lobby-server.js';

const GAME = 'https://game.example.org';
let server: ServerProcess;
let open: ServerProcess;
beforeAll(async () => {
  [server, open] = await Promise.all([startServer(['--allow-origins', `${GAME}, http://localhost:8080/`]), startServer([])]);
});
afterAll(async () => {
  await Promise.all([server?.stop(), open?.stop()]);
});

/** What a page at `origin` gets when it asks to create a room (and its preflight). */
async function createFrom(lobby: ServerProcess, origin: string | undefined): Promise<{ preflight: Response; create: Response; reservation: Record<string, unknown> | undefined }> {
  const headers: Record<string, string> = origin === undefined ? {} : { origin };
  const preflight = await fetch(`${lobby.url}/matchmake/create/game`, { method: 'OPTIONS', headers: { ...headers, 'access-control-request-method': 'POST' } });
  const create = await fetch(`${lobby.url}/matchmake/create/game`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'page', maxPlayers: 2 }) });
  const body = (await create.clone().json()) as Record<string, unknown>;
  return { preflight, create, reservation: create.status === 200 && body.sessionId !== undefined ? body : undefined };
}

/** Open the room socket a reservation is for, as a page at `origin`: 'open', or how it failed. */
function socketFrom(lobby: ServerProcess, reservation: Record<string, unknown>, origin: string): Promise<string> {
  const room = reservation.room as { roomId: string; processId: string };
  const url = `${lobby.url.replace('http', 'ws')}/${room.processId}/${room.roomId}?sessionId=${String(reservation.sessionId)}`;
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { origin });
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => resolve(`refused ${res.statusCode}`));
    ws.once('error', (error) => resolve(`error ${error.message}`));
  });
}

test('a listed origin matchmakes with CORS for it and opens its room socket', async () => {
  const { preflight, create, reservation } = await createFrom(server, GAME);
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-origin')).toBe(GAME);
  expect(create.status).toBe(200);
  expect(create.headers.get('access-control-allow-origin')).toBe(GAME);
  expect(reservation).toBeDefined();
  expect(await socketFrom(server, reservation!, GAME)).toBe('open');
  // The second listed origin, written with a trailing slash in the flag.
  expect((await createFrom(server, 'http://localhost:8080')).create.status).toBe(200);
});

test('any other page gets a 403 on matchmaking that it can read (code OriginRefused), and its room socket is refused', async () => {
  const { preflight, create, reservation } = await createFrom(server, 'https://elsewhere.example');
  // The preflight passes, so that what the page then reads is the refusal, not a failed request.
  expect(preflight.status).toBe(204);
  expect(create.status).toBe(403);
  expect(create.headers.get('access-control-allow-origin')).toBe('https://elsewhere.example');
  expect(reservation).toBeUndefined();
  expect(await create.json()).toEqual({ code: LobbyErrorCode.OriginRefused, error: "origin https://elsewhere.example may not use this lobby: the server's --allow-origins does not list it" });
  // A seat reserved by an allowed page cannot be taken up from another origin.
  const allowed = await createFrom(server, GAME);
  expect(await socketFrom(server, allowed.reservation!, 'https://elsewhere.example')).toBe('refused 403');
});

test('Node players (no Origin) and pages the lobby serves itself are let in', async () => {
  const session = await createLobby({ url: server.url }).create({ name: 'bot' });
  expect(session.status).toBe('joined');
  await session.leave();
  // The README's example: a game on its own origin gets invite links to itself.
  const elsewhere = await createLobby({ url: server.url, origin: GAME }).create({ name: 'bot' });
  expect(elsewhere.inviteLink).toBe(`${GAME}/?room=${elsewhere.code}`);
  await elsewhere.leave();
  const self = await createFrom(server, server.url);
  expect(self.create.status).toBe(200);
  expect(await socketFrom(server, self.reservation!, server.url)).toBe('open');
});

test('without the flag any page may, as before', async () => {
  const { create, reservation } = await createFrom(open, 'https://anywhere.example');
  expect(create.status).toBe(200);
  expect(create.headers.get('access-control-allow-origin')).toBe('https://anywhere.example');
  expect(await socketFrom(open, reservation!, 'https://anywhere.example')).toBe('open');
});

test('a bad --allow-origins stops the server, naming the flag', async () => {
  await expect(startServer(['--allow-origins', 'game.example.org'])).rejects.toThrow(/exited with 2: --allow-origins: origins look like https:\/\/game\.example\.org/);
});
