/**
 * A lost DTLS handshake packet between two Node players (node-datachannel), in the network lab
 * through the real lobby: one host drops the DTLS handshake records of its first connection
 * (nftables, see dtls-drop.ts). libdatachannel would send again only after a fixed second; the
 * link races the late connection with a fresh one instead (connections.ts), whose handshake goes
 * through, and moves there. What that saves when one packet is lost is measured by
 * `npm run bench -- net.dtls`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stopAgents } from '../helpers/netlab/agents.js';
import { joinedPair, startCell, type Cell } from '../helpers/netlab/matrix.js';
import { droppedDtlsHandshakes, stallFirstDtlsHandshake } from '../helpers/netlab/dtls-drop.js';

let cell: Cell | undefined;

afterEach(async () => {
  await stopAgents();
  await cell?.close();
  cell = undefined;
});

type Race = { message: string; kind?: string; path?: number; racing?: number; closed?: number };

describe('a lost DTLS handshake packet (Node players, network lab, real lobby)', () => {
  it('the late connection is raced by a fresh one, which the link moves to; events arrive once, in order', async () => {
    cell = await startCell('same network', 'none');
    // One side only, whichever its DTLS role: connection 0's handshake never finishes (every record
    // from its port is dropped: a lost packet, made deterministic), the racer's goes through.
    stallFirstDtlsHandshake(cell.lab, 'a');
    const { host, guest } = await joinedPair(cell);
    await Promise.all([host, guest].map((agent) => agent.call('waitTransport', { transport: 'p2p', timeoutMs: 30_000 })));
    expect(droppedDtlsHandshakes(cell.lab, 'a')).toBeGreaterThanOrEqual(1);
    const [hostRaces, guestRaces] = await Promise.all([host.call<Race[]>('races'), guest.call<Race[]>('races')]);
    // The initiator (whichever side the lobby made it) raced its first connection for DTLS and kept the racer.
    const initiator = hostRaces.some((race) => race.message.startsWith('racing')) ? hostRaces : guestRaces;
    const other = initiator === hostRaces ? guestRaces : hostRaces;
    const raced = initiator.find((race) => race.message.startsWith('racing'));
    expect(raced).toMatchObject({ kind: 'dtls', racing: 0 });
    const settled = initiator.find((race) => race.message === 'race settled');
    expect(settled).toMatchObject({ path: raced!.path, closed: 0 });
    // The answering side settled the same way (on the initiator's word, or the loser closing).
    expect(other.find((race) => race.message === 'race settled')).toMatchObject({ path: raced!.path });
    await host.call('sendEvents', { count: 100 });
    await expect.poll(() => guest.call('received'), { timeout: 10_000 }).toMatchObject({ count: 100, inOrder: true, duplicates: 0 });
    expect((await guest.call<{ closes: string[] }>('transports')).closes).toEqual([]);
  }, 60_000);
});
