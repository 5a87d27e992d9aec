import { Topology } from '@rallypoint/protocol';

/**
 * The members `me` needs a link to: in a star, the host links to everyone and everyone else only
 * to the host; in a mesh, every pair links.
 */
export function linkedPeers(me: string, hostId: string, memberIds: Iterable<string>, topology: Topology): Set<string> {
  const peers = new Set<string>();
  for (const id of memberIds) {
    if (id === me) continue;
    if (topology === Topology.Mesh || me === hostId || id === hostId) peers.add(id);
  }
  return peers;
}

/** Of a pair, the side with the lower session id makes the offer. */
export function initiates(me: string, peer: string): boolean {
  return me < peer;
}
