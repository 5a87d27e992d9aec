/** rallypoint's two lanes as a benchmark end's `Lanes`, for the page and for the Node player. */
import type { Link } from '@rallypoint/core';
import type { RoomSession } from '@rallypoint/lobby';
import type { Lanes } from './endpoint.js';

export type Game = { state: Uint8Array; events: { e: Uint8Array } };

/** The first link `session` opens, as lanes; refuses a relayed one (that would measure the lobby's relay). */
export async function firstLinkLanes(session: RoomSession<Game>): Promise<Lanes> {
  const link = await new Promise<Link<Game>>((resolve) => {
    const open = [...session.links.values()].find((l) => l.status === 'open');
    if (open !== undefined) return resolve(open);
    const off = session.on('linkOpen', ({ link: opened }) => (off(), resolve(opened)));
  });
  if (link.transport === 'relay') throw new Error('the link opened through the relay, not peer-to-peer');
  return {
    sendState: (bytes) => void link.state.send(bytes),
    sendEvent: (bytes) => link.events.emit('e', bytes),
    onState: (fn) => void link.state.onMessage(({ payload }) => fn(payload)),
    onEvent: (fn) => void link.events.on('e', fn),
    stateBuffered: () => link.state.bufferedAmount,
    eventBuffered: () => link.events.bufferedAmount,
  };
}
