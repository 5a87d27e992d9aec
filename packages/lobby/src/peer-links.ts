import type { CloseReason, Link, LinkInit, LinkSignal, LinkTypes, Logger } from '@rallypoint/core';
import { initiates } from './topology.js';

export interface PeerLinksInit<T extends LinkTypes> {
  createLink: (init: LinkInit) => Link<T>;
  /** Extra link options from the game (structures, heartbeat...). */
  linkInit: Partial<LinkInit>;
  sendSignal: (to: string, data: LinkSignal) => void;
  onOpen: (peerId: string, link: Link<T>) => void;
  onClose: (peerId: string, reason: CloseReason) => void;
  onError: (peerId: string, error: Error) => void;
  logger: Logger;
  /** Wait before a failed link to a member who is still wanted is tried again. @default 1000 */
  retryDelayMs?: number;
}

/**
 * The links of one room session, by member id: opens the ones the topology wants, closes the
 * rest, carries signals, and tries a failed link again while its member is still wanted.
 */
export class PeerLinks<T extends LinkTypes> {
  readonly #links = new Map<string, Link<T>>();
  readonly #retries = new Map<string, ReturnType<typeof setTimeout>>();
  #wanted = new Set<string>();
  #me = '';
  #iceServers: RTCIceServer[] = [];
  #closed = false;

  constructor(private readonly init: PeerLinksInit<T>) {}

  get links(): ReadonlyMap<string, Link<T>> {
    return this.#links;
  }

  /** Make the links match `wanted` (ids of members to link to). */
  reconcile(me: string, wanted: Set<string>, iceServers: RTCIceServer[]): void {
    if (this.#closed) return;
    this.#me = me;
    this.#iceServers = iceServers;
    this.#wanted = wanted;
    for (const peerId of [...this.#links.keys()]) if (!wanted.has(peerId)) this.#drop(peerId);
    for (const peerId of [...this.#retries.keys()]) if (!wanted.has(peerId)) this.#cancelRetry(peerId);
    for (const peerId of wanted) if (!this.#links.has(peerId) && !this.#retries.has(peerId)) this.#open(peerId);
  }

  /** A signal from `from`, relayed by the lobby. */
  signal(from: string, data: LinkSignal): void {
    if (this.#closed || !this.#wanted.has(from)) {
      this.init.logger.debug({ from, type: data.type }, 'signal from a member we do not link to; ignored');
      return;
    }
    let link = this.#links.get(from);
    // An offer on a link that is already open: the other side started over.
    if (link !== undefined && data.type === 'offer' && link.status !== 'connecting') {
      this.#drop(from);
      link = undefined;
    }
    if (link === undefined) {
      this.#cancelRetry(from);
      link = this.#open(from);
    }
    link.signal(data);
  }

  close(): void {
    this.#closed = true;
    for (const peerId of [...this.#retries.keys()]) this.#cancelRetry(peerId);
    for (const peerId of [...this.#links.keys()]) this.#drop(peerId);
  }

  #open(peerId: string): Link<T> {
    // The lobby's logger, unless the game gave its links one of their own.
    const link = this.init.createLink({ logger: this.init.logger, ...this.init.linkInit, initiator: initiates(this.#me, peerId), iceServers: this.#iceServers });
    this.#links.set(peerId, link);
    link.on('signal', (data) => this.init.sendSignal(peerId, data));
    link.on('open', () => this.init.onOpen(peerId, link));
    link.on('error', (error) => this.init.onError(peerId, error));
    link.on('close', ({ reason }) => {
      if (this.#links.get(peerId) !== link) return;
      this.#links.delete(peerId);
      this.init.onClose(peerId, reason);
      if (reason !== 'local' && !this.#closed && this.#wanted.has(peerId)) this.#scheduleRetry(peerId);
    });
    return link;
  }

  #drop(peerId: string): void {
    const link = this.#links.get(peerId);
    if (link === undefined) return;
    this.#links.delete(peerId);
    link.close();
    this.init.onClose(peerId, 'local');
  }

  #scheduleRetry(peerId: string): void {
    this.init.logger.debug({ peerId }, 'link closed while its member is still here; trying again');
    const timer = setTimeout(() => {
      this.#retries.delete(peerId);
      if (!this.#closed && this.#wanted.has(peerId) && !this.#links.has(peerId)) this.#open(peerId);
    }, this.init.retryDelayMs ?? 1000);
    this.#retries.set(peerId, timer);
  }

  #cancelRetry(peerId: string): void {
    clearTimeout(this.#retries.get(peerId));
    this.#retries.delete(peerId);
  }
}
