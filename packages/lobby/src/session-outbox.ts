/**
 * What a session's `emit` sends to a member whose link is not open yet (still connecting, or
 * between two links): held in order, bounded as a link's own queue is, and handed to the link
 * the moment it opens, before the game hears `linkOpen`. A game's "start" right after
 * `memberJoined` reaches the member.
 */
import { PendingEvents, type Link, type LinkInit, type LinkTypes } from '@rallypoint/core';

export class SessionOutbox<T extends LinkTypes> {
  readonly #pending = new Map<string, PendingEvents>();

  constructor(private readonly limits: Pick<LinkInit, 'maxEventBytes' | 'maxQueuedBytes'>) {}

  /** Emit on `link` if it is open, or hold for `peerId` until its link opens. Throws as `link.events.emit` does. */
  send(peerId: string, link: Link<T> | undefined, name: string, data: unknown): void {
    if (link?.status === 'open') {
      link.events.emit(name as never, data as never);
      return;
    }
    let pending = this.#pending.get(peerId);
    if (pending === undefined) this.#pending.set(peerId, (pending = new PendingEvents(this.limits)));
    pending.add(name, data);
  }

  /** The link to `peerId` opened: it gets what waited, in order. */
  opened(peerId: string, link: Link<T>, report: (error: Error) => void): void {
    const pending = this.#pending.get(peerId);
    this.#pending.delete(peerId);
    pending?.drainInto((name, data) => {
      try {
        link.events.emit(name as never, data as never);
      } catch (error) {
        report(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Forget what waits for members no longer linked to. */
  keep(wanted: ReadonlySet<string>): void {
    for (const peerId of [...this.#pending.keys()]) if (!wanted.has(peerId)) this.#pending.delete(peerId);
  }

  clear(): void {
    this.#pending.clear();
  }
}
