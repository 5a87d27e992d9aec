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
