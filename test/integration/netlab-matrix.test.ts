/**
 * The NAT matrix: two Node players in the network lab, through the real lobby (and real coturn,
 * in the lab's public namespace), each cell a network × the ICE servers the lobby hands out.
 * Each cell checks that the pair connects, by which candidate type, and carries events.
 *
 * Cells with no path but the lobby relay (no ICE servers across two homes; two symmetric NATs
 * with STUN only; a home with UDP blocked, where node-datachannel has no TURN over TCP) are not
 * here: that relay is not built yet (issue 11). `npm run bench -- net.matrix` measures them all.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stopAgents } from '../helpers/netlab/agents.js';
import { labNamespaces } from '../helpers/netlab/lab.js';
import { connectPair, startCell, type Cell, type Ice, type Network } from '../helpers/netlab/matrix.js';

/** The candidate type each cell's link uses. */
const cells: Array<[Network, Ice, 'host' | 'srflx' | 'relay']> = [
  ['same network', 'none', 'host'],
  ['same network', 'STUN', 'host'],
  ['same network', 'TURN', 'host'],
  ['both cone', 'STUN', 'srflx'],
  ['both cone', 'TURN', 'srflx'],
  // ICE with every candidate type does not converge here (libjuice); the session starts over
  // through TURN only after `turnFallbackMs` (see PeerLinks).
  ['both symmetric', 'TURN', 'relay'],
];

let cell: Cell | undefined;

afterEach(async () => {
  await stopAgents();
  await cell?.close();
  cell = undefined;
  expect(labNamespaces().filter((name) => name.includes(`-${process.pid}-`))).toEqual([]);
});

describe('NAT matrix (Node players, real lobby and coturn)', () => {
  for (const [network, ice, expected] of cells) {
    it(`${network}, ${ice}: connects by ${expected}`, async () => {
      cell = await startCell(network, ice);
      const result = await connectPair(cell, 20_000, async (host, guest) => {
        await host.call('sendEvents', { count: 100 });
        await expect.poll(() => guest.call('received'), { timeout: 10_000 }).toMatchObject({ count: 100, inOrder: true });
      });
      expect(result.candidateTypes).toEqual([expected, expected]);
    }, 60_000);
  }
});
