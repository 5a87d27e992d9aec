import { DEFAULT_RELAY_AFTER_MS, RELAY_ONLY_FIELD, hasTurnServer, type CloseReason, type Link, type LinkInit, type LinkSignal, type LinkTypes, type Logger } from '@rallypoint/core';
import { initiates } from './topology.js';

export interface PeerLinksInit<T extends LinkTypes> {
  createLink: (init: LinkInit) => Link<T>;
  /** Extra link options from the game (structures, heartbeat...). */
  linkInit: Partial<LinkInit>;
  sendSignal: (to: string, data: LinkSignal) => void;
  onOpen: (peerId: string, link: Link<T>) => void;
  onClose: (peerId: string, reason: CloseReason) => void;
  onError: (peerId: string, error: Error) => void;
  /** A link failed `policy.maxAttempts` times in a row; it is not tried again until `retry()` (or the peer offers). */
  onFailed: (peerId: string, failure: LinkFailure) => void;
  logger: Logger;
  retry: LinkRetryPolicy;
  /** For the jitter. */
  random: () => number;
  /** See `LobbyInit.turnFallbackMs`; 0 turns it off. */
  turnFallbackMs: number;
  /** The relay options for a link to this member (none when the server does not relay). */
  relayFor: (peerId: string) => Pick<LinkInit, 'relay' | 'direct' | 'relayAfterMs' | 'relayFirst'>;
}

/** What PeerLinks keeps about the current link to a member, beside the link. */
interface LinkMeta {
  relayOnly: boolean;
  /** The answering side has been given an offer for this link: a second one means the initiator started over. */
  offered: boolean;
  fallback?: ReturnType<typeof setTimeout>;
}

/** How a failed link to a member who is still there is tried again. */
export interface LinkRetryPolicy {
  /** Wait before the first retry, in ms (0 or more); each next one waits twice as long. @default 500 */
  baseDelayMs: number;
  /** The longest wait, in ms (0 or more). @default 8000 */
  maxDelayMs: number;
  /** Failures in a row before giving up and telling the game (`linkFailed`); a whole number, 1 or more. @default 6 */
  maxAttempts: number;
}

/** How a failed link is tried again unless `LobbyInit.linkRetry` says otherwise. */
export const DEFAULT_LINK_RETRY: LinkRetryPolicy = { baseDelayMs: 500, maxDelayMs: 8000, maxAttempts: 6 };

/** Why a link to a member was given up on. */
export interface LinkFailure {
  /** Attempts made, all failed. */
  attempts: number;
  /** How the last one closed. */
  reason: CloseReason;
  /** The named error behind the last close, when there was one. */
  error?: Error;
}

/**
 * The wait before retry number `retry` (1 for the first): doubling from `baseDelayMs`, capped at
 * `maxDelayMs`, then between half of it and all of it at random, so that peers who failed together
 * do not retry together.
 */
export function linkRetryDelayMs(policy: LinkRetryPolicy, retry: number, random: () => number): number {
  const full = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return full * (0.5 + 0.5 * random());
}

/**
 * The links of one room session, by member id: opens the ones the topology wants, closes the
 * rest, carries signals, and tries a failed link again while its member is still wanted, with
 * backoff, until it gives up and tells the session.
 */
export class PeerLinks<T extends LinkTypes> {
  readonly #links = new Map<string, Link<T>>();
  readonly #meta = new Map<Link<T>, LinkMeta>();
  readonly #retries = new Map<string, ReturnType<typeof setTimeout>>();
  /** Failures in a row, by member; gone once a link to it opens. */
  readonly #failures = new Map<string, number>();
  /** Members given up on: no automatic retry until `retry()` or their offer. */
  readonly #gaveUp = new Set<string>();
  #wanted = new Set<string>();
  #me = '';
  #iceServers: RTCIceServer[] = [];
  #closed = false;

  constructor(private readonly init: PeerLinksInit<T>) {}

  get links(): ReadonlyMap<string, Link<T>> {
    return this.#links;
  }

  /** The members the topology links us to (whether or not their link is open). */
  get wanted(): ReadonlySet<string> {
    return this.#wanted;
  }

  /** Make the links match `wanted` (ids of members to link to). */
  reconcile(me: string, wanted: Set<string>, iceServers: RTCIceServer[]): void {
    if (this.#closed) return;
    this.#me = me;
    this.#iceServers = iceServers;
    this.#wanted = wanted;
    for (const peerId of [...this.#links.keys()]) if (!wanted.has(peerId)) this.#drop(peerId);
    for (const peerId of [...this.#retries.keys()]) if (!wanted.has(peerId)) this.#cancelRetry(peerId);
    for (const peerId of [...this.#failures.keys()]) if (!wanted.has(peerId)) this.#forgetFailures(peerId);
    for (const peerId of wanted) if (!this.#links.has(peerId) && !this.#retries.has(peerId) && !this.#gaveUp.has(peerId)) this.#open(peerId);
  }

  /** Try a link given up on (after `linkFailed`) again, from a clean slate. */
  retry(peerId: string): void {
    if (this.#closed || !this.#wanted.has(peerId) || this.#links.has(peerId)) return;
    this.#forgetFailures(peerId);
    this.#cancelRetry(peerId);
    this.#open(peerId);
  }

  /** A signal from `from`, relayed by the lobby. */
  signal(from: string, data: LinkSignal): void {
    if (this.#closed || !this.#wanted.has(from)) {
      this.init.logger.debug({ from, type: data.type }, 'signal from a member we do not link to; ignored');
      return;
    }
    const { [RELAY_ONLY_FIELD]: relayFlag, ...signal } = data;
    const relayOnly = relayFlag === true;
    let link = this.#links.get(from);
    if (link !== undefined && data.type === 'offer') {
      const meta = this.#meta.get(link);
      // An offer on a link that is open, or that had one already, or made for another policy:
      // the other side started over.
      if (link.status !== 'connecting' || meta?.offered === true || meta?.relayOnly !== relayOnly) {
        this.#drop(from);
        link = undefined;
      }
    }
    if (link === undefined) {
      // The peer is trying: whatever we had given up on, try along.
      this.#cancelRetry(from);
      this.#gaveUp.delete(from);
      link = this.#open(from, relayOnly);
    }
    if (data.type === 'offer') {
      const meta = this.#meta.get(link);
      if (meta !== undefined) meta.offered = true;
    }
    link.signal(signal as LinkSignal);
  }

  close(): void {
    this.#closed = true;
    this.#failures.clear();
    this.#gaveUp.clear();
    for (const peerId of [...this.#retries.keys()]) this.#cancelRetry(peerId);
    for (const peerId of [...this.#links.keys()]) this.#drop(peerId);
  }

  /** `waitedMs`: how long the pair has tried already (the relay wait counts it: see #turnFallback). */
  #open(peerId: string, relayOnly = false, waitedMs = 0): Link<T> {
    const initiator = initiates(this.#me, peerId);
    const policy = relayOnly ? { iceTransportPolicy: 'relay' as const } : {};
    const relay = this.init.relayFor(peerId);
    const relayFirst = relay.relayFirst ?? this.init.linkInit.relayFirst ?? true;
    // Without relay-first, the wait for the relay counts from the pair's first try.
    if (relay.relay !== undefined && !relayFirst && waitedMs > 0) relay.relayAfterMs = Math.max(0, (this.init.linkInit.relayAfterMs ?? DEFAULT_RELAY_AFTER_MS) - waitedMs);
    // The lobby's logger, unless the game gave its links one of their own.
    const link = this.init.createLink({ logger: this.init.logger, ...this.init.linkInit, ...policy, ...relay, initiator, iceServers: this.#iceServers });
    const meta: LinkMeta = { relayOnly, offered: false };
    this.#links.set(peerId, link);
    this.#meta.set(link, meta);
    link.on('signal', (data) => this.init.sendSignal(peerId, relayOnly && data.type === 'offer' ? { ...data, [RELAY_ONLY_FIELD]: true } : data));
    if (initiator && !relayOnly && this.init.turnFallbackMs > 0 && (this.init.linkInit.iceTransportPolicy ?? 'all') === 'all' && hasTurnServer(this.#iceServers)) {
      meta.fallback = setTimeout(() => this.#turnFallback(peerId, link), this.init.turnFallbackMs);
    }
    link.on('open', () => {
      clearTimeout(meta.fallback);
      this.#forgetFailures(peerId);
      this.init.onOpen(peerId, link);
    });
    link.on('error', (error) => this.init.onError(peerId, error));
    link.on('close', ({ reason, error }) => {
      clearTimeout(meta.fallback);
      this.#meta.delete(link);
      if (this.#links.get(peerId) !== link) return;
      this.#links.delete(peerId);
      this.init.onClose(peerId, reason);
      if (reason !== 'local' && !this.#closed && this.#wanted.has(peerId)) this.#failed(peerId, error === undefined ? { reason } : { reason, error });
    });
    return link;
  }

  /**
   * ICE with every candidate type did not connect in time although the room has TURN: start over
   * relay-only, and the answering side follows (the offer says so). Measured in the network lab:
   * between two symmetric NATs, libdatachannel's ICE (libjuice) given host, srflx and relay
   * candidates did not converge within 40 s, while relay-only opened in 0.3 s.
   */
  #turnFallback(peerId: string, link: Link<T>): void {
    if (this.#closed || this.#links.get(peerId) !== link || link.status !== 'connecting') return;
    this.init.logger.debug({ peerId, afterMs: this.init.turnFallbackMs }, 'link not open yet: starting over through TURN only');
    this.#drop(peerId);
    this.#open(peerId, true, this.init.turnFallbackMs);
  }

  /** A link to a wanted member closed on its own: retry after a backoff, or give up and say so. */
  #failed(peerId: string, last: Omit<LinkFailure, 'attempts'>): void {
    const attempts = (this.#failures.get(peerId) ?? 0) + 1;
    this.#failures.set(peerId, attempts);
    if (attempts >= this.init.retry.maxAttempts) {
      this.#gaveUp.add(peerId);
      this.init.logger.debug({ peerId, attempts, reason: last.reason }, 'giving up on a link');
      this.init.onFailed(peerId, { attempts, ...last });
      return;
    }
    const delayMs = linkRetryDelayMs(this.init.retry, attempts, this.init.random);
    this.init.logger.debug({ peerId, attempts, delayMs, reason: last.reason }, 'link closed while its member is still here; trying again');
    const timer = setTimeout(() => {
      this.#retries.delete(peerId);
      if (!this.#closed && this.#wanted.has(peerId) && !this.#links.has(peerId)) this.#open(peerId);
    }, delayMs);
    this.#retries.set(peerId, timer);
  }

  #forgetFailures(peerId: string): void {
    this.#failures.delete(peerId);
    this.#gaveUp.delete(peerId);
  }

  #drop(peerId: string): void {
    const link = this.#links.get(peerId);
    if (link === undefined) return;
    this.#links.delete(peerId);
    link.close();
    this.init.onClose(peerId, 'local');
  }

  #cancelRetry(peerId: string): void {
    clearTimeout(this.#retries.get(peerId));
    this.#retries.delete(peerId);
  }
}
