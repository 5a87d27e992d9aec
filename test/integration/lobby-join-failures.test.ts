/**
 * Every lobby promise settles with a named error whatever goes wrong on the way in: the
 * connection cut at each step of a join (the matchmaking request, the WebSocket upgrade, after the
 * join but before the welcome) or a server that stops answering there. Through a real TCP proxy
 * in front of the real server.
 */
import { expect, test } from 'vitest';
import { LobbyUnavailableError, createLobby, type Lobby } from '@rallypoint/lobby/node';
import { serverForFile } from '../helpers/server-per-file.js';
import { startProxy, type ChunkVerdict, type ProxiedConnection } from '../helpers/tcp-proxy.js';
import { deadline } from '../helpers/wait.js';

const server = serverForFile();
const JOIN_TIMEOUT_MS = 1500;

const isMatchmaking = (c: ProxiedConnection) => c.firstLine.startsWith('POST /matchmake');
const isRoomSocket = (c: ProxiedConnection) => c.firstLine.startsWith('GET ') && c.firstLine.includes('sessionId=');

const steps: [string, (chunk: Buffer, connection: ProxiedConnection) => ChunkVerdict][] = [
  ['cut while the matchmaking request is sent', (_, c) => (isMatchmaking(c) ? 'cut' : 'forward')],
  ['no answer to the matchmaking request', (_, c) => (isMatchmaking(c) ? 'swallow' : 'forward')],
  ['cut at the WebSocket upgrade', (_, c) => (isRoomSocket(c) ? 'cut' : 'forward')],
  ['no answer to the WebSocket upgrade', (_, c) => (isRoomSocket(c) ? 'swallow' : 'forward')],
  // The client's first frame after the upgrade acknowledges the join; the welcome would follow it.
  ['cut after the join, before the welcome', (_, c) => (isRoomSocket(c) && c.chunksBefore >= 1 ? 'cut' : 'forward')],
  ['no welcome after the join', (_, c) => (isRoomSocket(c) && c.chunksBefore >= 1 ? 'swallow' : 'forward')],
];

test.each(steps)('%s: create, join, quick match and list all reject with LobbyUnavailableError', async (_, clientData) => {
  const host = await createLobby({ url: server().url }).create({ name: 'host', maxPlayers: 4 });
  const proxy = await startProxy(server().port, { clientData });
  try {
    const lobby: Lobby = createLobby({ url: proxy.url, joinTimeoutMs: JOIN_TIMEOUT_MS });
    const outcome = (attempt: Promise<unknown>) => attempt.then(() => 'resolved', (error: unknown) => error);
    const started = Date.now();
    const outcomes = {
      create: outcome(lobby.create({ name: 'a' })),
      join: outcome(lobby.join(host.code, { name: 'b' })),
      quickMatch: outcome(lobby.quickMatch({ name: 'c', mode: 'join-failures' })),
      list: outcome(lobby.list()),
    };
    for (const [name, settled] of Object.entries(outcomes)) {
      const error = await settled;
      expect(error, name).toBeInstanceOf(LobbyUnavailableError);
      // Its message says what happened, with the cause in words: never "undefined".
      expect((error as Error).message, name).not.toMatch(/undefined|null|\[object /);
    }
    // All settled by the deadline (with room for a busy machine), none hangs.
    expect(Date.now() - started).toBeLessThan(deadline(JOIN_TIMEOUT_MS + 5000));
    // The room we could not reach is fine for everyone else.
    expect(host.status).toBe('joined');
    const guest = await createLobby({ url: server().url }).join(host.code, { name: 'guest' });
    await guest.leave();
  } finally {
    await proxy.close();
    await host.leave();
  }
}, deadline(30_000));
