/** rallypoint's two lanes as a benchmark end's `Lanes`, for the page and for the Node player. */
import type { Link } from '@rallypoint/core';
import type { RoomSession } from '@rallypoint/lobby';
import type { Lanes } from './endpoint.js';

/** Longest wait for a link's move from the relay to its direct connection. */
const DIRECT_TIMEOUT_MS = 20_000;

export type Game = { state: Uint8Array; events: { e: Uint8Array } };

/**
 * The first link `session` opens, as lanes, as soon as it is open: on the lobby relay first, as
 * a game would be. `direct()` waits for its move to a direct connection (the benchmarks that
 * measure the wire wait for it: the lobby's relay is not what they compare).
 */
export async function firstLinkLanes(session: RoomSession<Game>): Promise<Lanes> {
  const link = await new Promise<Link<Game>>((resolve) => {
    const open = [...session.links.values()].find((l) => l.status === 'open');
    if (open !== undefined) return resolve(open);
    const off = session.on('linkOpen', ({ link: opened }) => (off(), resolve(opened)));
  });
  return {
    sendState: (bytes) => void link.state.send(bytes),
    sendEvent: (bytes) => link.events.emit('e', bytes),
    onState: (fn) => void link.state.onMessage(({ payload }) => fn(payload)),
    onEvent: (fn) => void link.events.on('e', fn),
    stateBuffered: () => link.state.bufferedAmount,
    eventBuffered: () => link.events.bufferedAmount,
    direct: () =>
      new Promise<void>((resolve, reject) => {
        if (link.transport === 'p2p') return resolve();
        const timer = setTimeout(() => (off(), reject(new Error(`the link stayed on ${String(link.transport)}: no direct connection within ${DIRECT_TIMEOUT_MS} ms`))), DIRECT_TIMEOUT_MS);
        const off = link.on('transportChanged', ({ transport }) => transport === 'p2p' && (off(), clearTimeout(timer), resolve()));
      }),
  };
}
