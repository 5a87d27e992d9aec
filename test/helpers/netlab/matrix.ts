/**
 * The cells of the NAT matrix, shared by its test and its benchmark: a lab with two homes (or
 * one), coturn and the real lobby in the public namespace, handing out no ICE servers, STUN, or
 * TURN (UDP and TCP), and a pair of Node players joining one room through it.
 */
import { startServer, type ServerProcess } from '../lobby-server.js';
import { startAgent, type Agent } from './agents.js';
import { startCoturn, type Coturn } from './coturn.js';
import { createLab, type HomeSpec, type Lab } from './lab.js';

export type Network = 'same network' | 'both cone' | 'both symmetric' | 'symmetric + UDP blocked';
export type Ice = 'none' | 'STUN' | 'TURN';

/** The TURN secret coturn and the lobby share in every cell. */
export const TURN_SECRET = 'lab-turn-secret';

const homesFor: Record<Network, HomeSpec[]> = {
  'same network': [{ nat: 'cone', hosts: ['a', 'b'] }],
  'both cone': [
    { nat: 'cone', hosts: ['a'] },
    { nat: 'cone', hosts: ['b'] },
  ],
  'both symmetric': [
    { nat: 'symmetric', hosts: ['a'] },
    { nat: 'symmetric', hosts: ['b'] },
  ],
  // b's home drops all UDP.
  'symmetric + UDP blocked': [
    { nat: 'symmetric', hosts: ['a'] },
    { nat: 'cone', hosts: ['b'] },
  ],
};

export interface Cell {
  readonly lab: Lab;
  readonly lobby: ServerProcess;
  close(): Promise<void>;
}

export async function startCell(network: Network, ice: Ice): Promise<Cell> {
  const lab = createLab(homesFor[network]);
  let coturn: Coturn | undefined;
  let lobby: ServerProcess | undefined;
  const close = async () => {
    await lobby?.stop();
    await coturn?.stop();
    lab.close();
  };
  try {
    if (network === 'symmetric + UDP blocked') lab.setHome(2, { udpBlocked: true });
    coturn = await startCoturn(lab, TURN_SECRET);
    const args =
      ice === 'none' ? [] : ice === 'STUN' ? ['--ice-servers', JSON.stringify([{ urls: coturn.urls.stun }])] : ['--turn-secret', TURN_SECRET, '--turn-urls', `${coturn.urls.udp},${coturn.urls.tcp}`];
    lobby = await startServer(args, {}, 'info', { netns: lab.ns('pub'), host: lab.publicAddress });
    return { lab, lobby, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The transport and the candidate type each cell's link uses. */
export const CELLS: Array<[Network, Ice, 'p2p' | 'turn' | 'relay', 'host' | 'srflx' | 'relay' | null]> = [
  ['same network', 'none', 'p2p', 'host'],
  ['same network', 'STUN', 'p2p', 'host'],
  ['same network', 'TURN', 'p2p', 'host'],
  ['both cone', 'none', 'relay', null],
  ['both cone', 'STUN', 'p2p', 'srflx'],
  ['both cone', 'TURN', 'p2p', 'srflx'],
  ['both symmetric', 'none', 'relay', null],
  ['both symmetric', 'STUN', 'relay', null],
  // ICE with every candidate type does not converge here (libjuice); the link, open on the
  // relay, tries a connection through TURN only after 4 s (see TURN_ONLY_AFTER_MS).
  ['both symmetric', 'TURN', 'turn', 'relay'],
  ['symmetric + UDP blocked', 'none', 'relay', null],
  ['symmetric + UDP blocked', 'STUN', 'relay', null],
  ['symmetric + UDP blocked', 'TURN', 'relay', null],
];

export interface PairResult {
  /** Local candidate type of each side's link (null on the lobby relay). */
  candidateTypes: (string | null)[];
  /** Each side's `link.transport` once open. */
  transports: (string | null)[];
  /** From the guest's join call to its link being open. */
  openMs: number;
}

/** Agents in homes a and b, the host in a room and the guest joined by code, both links open; the agents stay up. */
export async function joinedPair(cell: Cell, timeoutMs = 20_000): Promise<{ host: Agent; guest: Agent; transports: (string | null)[] }> {
  const [host, guest] = await Promise.all([startAgent(cell.lab, 'a'), startAgent(cell.lab, 'b')]);
  const { code } = await host.call<{ code: string }>('join', { url: cell.lobby.url });
  await guest.call('join', { url: cell.lobby.url, code });
  const opened = await Promise.all([host, guest].map((agent) => agent.call<{ transport: string | null }>('waitOpen', { timeoutMs })));
  return { host, guest, transports: opened.map((o) => o.transport) };
}

/** Host creates a room, guest joins by code; resolves when both links are open. Agents are stopped after. */
export async function connectPair(cell: Cell, timeoutMs = 20_000, whileOpen?: (host: Agent, guest: Agent) => Promise<void>): Promise<PairResult> {
  const [host, guest] = await Promise.all([startAgent(cell.lab, 'a'), startAgent(cell.lab, 'b')]);
  try {
    const { code } = await host.call<{ code: string }>('join', { url: cell.lobby.url });
    await guest.call('join', { url: cell.lobby.url, code });
    const opened = await Promise.all([host, guest].map((agent) => agent.call<{ candidateType: string | null; transport: string | null; openedAfterMs: number }>('waitOpen', { timeoutMs })));
    await whileOpen?.(host, guest);
    return { candidateTypes: opened.map((o) => o.candidateType), transports: opened.map((o) => o.transport), openMs: opened[1]!.openedAfterMs };
  } finally {
    await Promise.all([host.stop(), guest.stop()]);
  }
}
