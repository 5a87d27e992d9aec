/**
 * TURN with real coturn in the network lab: coturn takes the credentials the lobby mints and
 * refuses expired ones and ones minted with another secret; Node players told to relay
 * (`iceTransportPolicy: 'relay'`) connect through it with what the lobby hands out.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { turnCredentials } from '../../server/src/turn.js';
import { startAgent, stopAgents } from '../helpers/netlab/agents.js';
import { TURN_PORT } from '../helpers/netlab/coturn.js';
import { labNamespaces, type Lab } from '../helpers/netlab/lab.js';
import { startCell, TURN_SECRET as SECRET, type Cell } from '../helpers/netlab/matrix.js';

let cell: Cell;
let lab: Lab;

beforeAll(async () => {
  cell = await startCell('both cone', 'TURN');
  lab = cell.lab;
});

afterEach(() => stopAgents());

afterAll(async () => {
  await cell?.close();
  expect(labNamespaces().filter((name) => name.includes(`-${process.pid}-`))).toEqual([]);
});

describe('coturn and the credentials the lobby mints', () => {
  const probe = async (username: string, credential: string) => {
    const agent = await startAgent(lab, 'a');
    return agent.call<{ ok: boolean; code?: number }>('turnProbe', { host: lab.publicAddress, port: TURN_PORT, username, credential });
  };

  it('takes fresh ones', async () => {
    expect(await probe(...Object.values(turnCredentials(SECRET, 'member-1', 3600, Date.now())) as [string, string])).toEqual({ ok: true });
  });

  it('refuses expired ones', async () => {
    const expired = turnCredentials(SECRET, 'member-1', 60, Date.now() - 120_000);
    expect(await probe(expired.username, expired.credential)).toMatchObject({ ok: false, code: 401 });
  });

  it('refuses ones minted with another secret', async () => {
    const other = turnCredentials('another-secret', 'member-1', 3600, Date.now());
    expect(await probe(other.username, other.credential)).toMatchObject({ ok: false, code: 401 });
  });
});

describe('Node players through TURN', () => {
  it("connect with iceTransportPolicy 'relay' on what the lobby hands out, and stats say relay", async () => {
    const [host, guest] = await Promise.all([startAgent(lab, 'a'), startAgent(lab, 'b')]);
    const { code } = await host.call<{ code: string }>('join', { url: cell.lobby.url, iceTransportPolicy: 'relay' });
    await guest.call('join', { url: cell.lobby.url, code, iceTransportPolicy: 'relay' });
    // Open on the lobby relay first; then through TURN, once that connection is confirmed.
    const opened = await Promise.all([host.call<{ transport: string }>('waitOpen'), guest.call<{ transport: string }>('waitOpen')]);
    expect(opened.map((o) => o.transport)).toEqual(['relay', 'relay']);
    const onTurn = await Promise.all([host, guest].map((agent) => agent.call<{ candidateType: string }>('waitTransport', { transport: 'turn', timeoutMs: 20_000 })));
    expect(onTurn.map((o) => o.candidateType)).toEqual(['relay', 'relay']);
    await host.call('sendEvents', { count: 100 });
    await expect.poll(() => guest.call('received'), { timeout: 10_000 }).toMatchObject({ count: 100, inOrder: true });
  });
});
