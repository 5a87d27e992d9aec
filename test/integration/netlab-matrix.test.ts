/**
 * The NAT matrix: two Node players in the network lab, through the real lobby (and real coturn,
 * in the lab's public namespace), each cell a network × the ICE servers the lobby hands out.
 * Every cell connects, by the transport expected for it, and carries events: directly (`p2p`,
 * with the candidate type), through TURN (`turn`), or through the lobby relay (`relay`) where no
 * other path exists: no ICE servers across two homes, two symmetric NATs with STUN only, and a
 * home with UDP blocked (node-datachannel has no TURN over TCP).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stopAgents } from '../helpers/netlab/agents.js';
import { labNamespaces } from '../helpers/netlab/lab.js';
import { connectPair, startCell, type Cell, type Ice, type Network } from '../helpers/netlab/matrix.js';

/** The transport and the candidate type each cell's link uses. */
const cells: Array<[Network, Ice, 'p2p' | 'turn' | 'relay', 'host' | 'srflx' | 'relay' | null]> = [
  ['same network', 'none', 'p2p', 'host'],
  ['same network', 'STUN', 'p2p', 'host'],
  ['same network', 'TURN', 'p2p', 'host'],
  ['both cone', 'none', 'relay', null],
  ['both cone', 'STUN', 'p2p', 'srflx'],
  ['both cone', 'TURN', 'p2p', 'srflx'],
  ['both symmetric', 'none', 'relay', null],
  ['both symmetric', 'STUN', 'relay', null],
  // ICE with every candidate type does not converge here (libjuice); the session starts over
  // through TURN only after `turnFallbackMs` (see PeerLinks).
  ['both symmetric', 'TURN', 'turn', 'relay'],
  ['symmetric + UDP blocked', 'none', 'relay', null],
  ['symmetric + UDP blocked', 'STUN', 'relay', null],
  ['symmetric + UDP blocked', 'TURN', 'relay', null],
];

let cell: Cell | undefined;

afterEach(async () => {
  await stopAgents();
  await cell?.close();
  cell = undefined;
  expect(labNamespaces().filter((name) => name.includes(`-${process.pid}-`))).toEqual([]);
});

describe('NAT matrix (Node players, real lobby and coturn)', () => {
  for (const [network, ice, transport, candidateType] of cells) {
    it(`${network}, ${ice}: connects by ${transport}${candidateType === null || transport !== 'p2p' ? '' : ` (${candidateType})`}`, async () => {
      cell = await startCell(network, ice);
      const result = await connectPair(cell, 20_000, async (host, guest) => {
        await host.call('sendEvents', { count: 100 });
        await expect.poll(() => guest.call('received'), { timeout: 10_000 }).toMatchObject({ count: 100, inOrder: true });
      });
      expect(result.transports).toEqual([transport, transport]);
      expect(result.candidateTypes).toEqual([candidateType, candidateType]);
    }, 60_000);
  }
});
