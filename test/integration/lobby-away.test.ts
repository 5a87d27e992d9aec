/**
 * A player whose connection drops without a goodbye (its process killed, as a crashed tab or a
 * phone losing signal): the real server, a Node host in this process, the other player a Node
 * process of its own, linked. The host hears at once that it is away (`memberChanged`, `away`),
 * its seat is held for the reconnection window, then it leaves with reason `lost`; meanwhile the
 * host's link tries to reach it, and no error event comes of that (signals and relayed traffic
 * for an away member are dropped, not refused).
 */
import { LobbyLimits } from '@rallypoint/protocol';
import { createLobby } from '@rallypoint/lobby/node';
import { afterEach, expect, test } from 'vitest';
import { startLocalAgent, stopAgents } from '../helpers/netlab/agents.js';
import { serverForFile } from '../helpers/server-per-file.js';
import { linksOpen, nextEvent } from '../helpers/session.js';
import { deadline } from '../helpers/wait.js';

const server = serverForFile();
afterEach(() => stopAgents());

test('a player killed mid-game is away at once, held for the window, then lost; the host gets no errors about it', async () => {
  const host = await createLobby({ url: server().url }).create({ name: 'host', maxPlayers: 2 });
  const errors: string[] = [];
  host.on('error', ({ error }) => errors.push(`${error.name}: ${error.message}`));
  try {
    const guest = await startLocalAgent('guest');
    const { me } = await guest.call<{ me: string }>('join', { url: server().url, code: host.code });
    await linksOpen(host, [me]);

    const away = nextEvent(host, 'memberChanged', (m) => m.id === me && m.away === true, 5000);
    const killedAt = Date.now();
    await guest.stop(); // SIGKILL: no goodbye on any path
    await away;
    console.log(`lobby-away: away after ${Date.now() - killedAt} ms`);
    expect(host.members.find((m) => m.id === me)?.away).toBe(true);
    // Its seat is held: the room is still full for anyone else.
    expect(await (await fetch(`${server().url}/rooms/${host.code}`)).json()).toMatchObject({ status: 'full' });

    const left = await nextEvent(host, 'memberLeft', (e) => e.member.id === me, (LobbyLimits.reconnectWindowSeconds + 10) * 1000);
    expect(left.reason).toBe('lost');
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(LobbyLimits.reconnectWindowSeconds * 1000 - 1000);
    expect(errors).toEqual([]);
    expect(await (await fetch(`${server().url}/rooms/${host.code}`)).json()).toMatchObject({ status: 'open' });
  } finally {
    await host.leave();
  }
}, deadline(60_000));
