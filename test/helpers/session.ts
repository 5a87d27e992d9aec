/** Waiting on room session events with a deadline. */
import type { RoomSession, RoomSessionEvents } from '@rallypoint/lobby';
import type { LinkTypes } from '@rallypoint/core';
import { deadline } from './wait.js';

export function nextEvent<K extends keyof RoomSessionEvents, T extends LinkTypes>(
  session: RoomSession<T>,
  name: K,
  match: (event: RoomSessionEvents<T>[K]) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<RoomSessionEvents<T>[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${deadline(timeoutMs)} ms waiting for "${String(name)}"`));
    }, deadline(timeoutMs));
    const off = session.on(name, (event) => {
      if (!match(event)) return;
      clearTimeout(timer);
      off();
      resolve(event);
    });
  });
}

/** Resolves when `session` has an open link to each of `peers`. */
export async function linksOpen<T extends LinkTypes>(session: RoomSession<T>, peers: string[], timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + deadline(timeoutMs);
  while (!peers.every((peer) => session.links.get(peer)?.status === 'open')) {
    if (Date.now() > end) {
      const states = peers.map((peer) => `${peer}:${session.links.get(peer)?.status ?? 'none'}`).join(', ');
      throw new Error(`timed out waiting for links to open (${states})`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Until the session's links to `peers` travel on a direct connection (or TURN), not the lobby
 * relay they open on: only such a link outlives the lobby.
 */
export async function linksDirect<T extends LinkTypes>(session: RoomSession<T>, peers: string[], timeoutMs = 15_000): Promise<void> {
  const direct = (peer: string) => ['p2p', 'turn'].includes(session.links.get(peer)?.transport ?? '');
  const end = Date.now() + deadline(timeoutMs);
  while (!peers.every(direct)) {
    if (Date.now() > end) throw new Error(`timed out waiting for direct links (${peers.map((peer) => `${peer}:${session.links.get(peer)?.transport ?? 'none'}`).join(', ')})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** State sent both ways between two linked sessions arrives both ways (sent every 10 ms until it does). */
export async function stateFlows<T extends LinkTypes>(a: RoomSession<T>, b: RoomSession<T>, state: T['state'], timeoutMs = 5000): Promise<void> {
  const got = { a: 0, b: 0 };
  const offA = a.links.get(b.me.id)!.state.onMessage(() => got.a++);
  const offB = b.links.get(a.me.id)!.state.onMessage(() => got.b++);
  try {
    const end = Date.now() + deadline(timeoutMs);
    while (got.a === 0 || got.b === 0) {
      if (Date.now() > end) throw new Error('state did not flow both ways');
      a.sendState(state);
      b.sendState(state);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    offA();
    offB();
  }
}
