/**
 * The NAT matrix: two Node players in the network lab, through the real lobby (and real coturn,
 * in the lab's public namespace), each cell a network × the ICE servers the lobby hands out.
 * In every cell the link opens on the lobby relay (relay first) and the host's greeting, sent
 * from its `memberJoined`, arrives there while ICE still runs; then the link ends on the
 * transport expected for the cell and carries events: directly (`p2p`, with the candidate
 * type), through TURN (`turn`), or through the lobby relay (`relay`) where no other path
 * exists: no ICE servers across two homes, two symmetric NATs with STUN only, and a home with
 * UDP blocked (node-datachannel has no TURN over TCP).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stopAgents } from '../helpers/netlab/agents.js';
import { labNamespaces } from '../helpers/netlab/lab.js';
import { CELLS, connectPair, startCell, type Cell } from '../helpers/netlab/matrix.js';


let cell: Cell | undefined;

afterEach(async () => {
  await stopAgents();
  await cell?.close();
  cell = undefined;
  expect(labNamespaces().filter((name) => name.includes(`-${process.pid}-`))).toEqual([]);
});

describe('NAT matrix (Node players, real lobby and coturn)', () => {
  for (const [network, ice, transport, candidateType] of CELLS) {
    it(`${network}, ${ice}: connects by ${transport}${candidateType === null || transport !== 'p2p' ? '' : ` (${candidateType})`}`, async () => {
      cell = await startCell(network, ice);
      const result = await connectPair(cell, 20_000, async (host, guest) => {
        expect(await guest.call('firstEvent', { timeoutMs: 10_000 })).toMatchObject({ transport: 'relay' });
        const ends = await Promise.all([host, guest].map((agent) => agent.call<{ candidateType: string | null }>('waitTransport', { transport, timeoutMs: 30_000 })));
        expect(ends.map((end) => end.candidateType)).toEqual([candidateType, candidateType]);
        await host.call('sendEvents', { count: 100 });
        await expect.poll(() => guest.call('received'), { timeout: 10_000 }).toMatchObject({ count: 100, inOrder: true });
      });
      expect(result.transports).toEqual(['relay', 'relay']);
    }, 60_000);
  }
});
