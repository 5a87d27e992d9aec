/**
 * Moving from the lobby relay to a direct path once that path has earned it. While the lanes are
 * on the relay and a direct connection is open, both are probed (probes.ts) and the lanes move
 * only when the direct path is confirmed end to end (answered probes, not just `open`) and beats
 * the relay by a margin. The shape is Valve's GameNetworkingSockets': a connection is up on the
 * first transport that reaches the peer (usually the relay), keeps probing the others, and
 * switches when a confirmed one scores better by a margin; one sequence space above the paths
 * (the events lane's) makes the switch lose and double nothing.
 *
 * Scoring: a path scores its median round trip; the relay scores RELAY_COST_MS more, because it
 * costs the server bytes and adds a hop that can queue. A direct path is taken when its score
 * plus the margin (10% of the relay's score + 5 ms) is under the relay's: on a LAN or a good
 * route that is at once; a direct path clearly slower than the relay (a long detour through
 * TURN, say) is not taken, and is probed again now and then.
 *
 * Flapping: each time the lanes leave a direct path for the relay (it died or went silent), the
 * next direct path must answer for longer before it is taken: 1 s after the first fall, doubling,
 * up to 30 s; a minute without a fall forgets them.
 */
import type { RelayPath } from '../paths/relay-path.js';
import type { DirectPath, Path } from '../paths/types.js';
import type { Logger } from '../types.js';
import { PathProbes } from './probes.js';

/** How much worse than it measures the relay counts. */
const RELAY_COST_MS = 20;
/** A path is taken when it beats the current one by this share of the current's score, plus MARGIN_MS. */
const MARGIN_SHARE = 0.1;
const MARGIN_MS = 5;
/** Answers from each path before comparing. */
const SAMPLES_NEEDED = 3;
/**
 * The relay answering no probe this long is taken for gone (the lobby connection dropped, the
 * server restarted): a confirmed direct path is taken at once, whatever it scores.
 */
const RELAY_SILENT_MS = 1000;
/** Probes while a direct path is being confirmed, then while it is known to be no better. */
const PROBE_FAST_MS = 40;
const PROBE_SLOW_MS = 1000;
/** Hold before retaking a direct path after falls to the relay: doubling from the first, up to the last. */
const HOLD_FIRST_MS = 1000;
const HOLD_MAX_MS = 30_000;
/** Falls further apart than this are forgotten. */
const FALLS_FORGOTTEN_MS = 60_000;

export interface UpgradeDeps {
  relay: RelayPath;
  probes: PathProbes;
  now: () => number;
  logger: Logger;
  /** The path the lanes are on, and the current connection. */
  current(): Path | null;
  peer(): DirectPath | null;
  /** The link is open (or this side's hello is out): the lanes have a path to leave. */
  started(): boolean;
  moveTo(path: DirectPath): void;
}

/** The relay's score, and the most a direct path may score to be taken over it. */
export function directThresholdMs(relayRttMs: number): number {
  const relayScore = relayRttMs + RELAY_COST_MS;
  return relayScore - (MARGIN_SHARE * relayScore + MARGIN_MS);
}

export class DirectUpgrade {
  #timer: ReturnType<typeof setTimeout> | null = null;
  #falls: number[] = [];
  #closed = false;

  constructor(private readonly deps: UpgradeDeps) {}

  /** Look now (a connection opened, the link opened, the lanes fell back to the relay). */
  check(): void {
    if (this.#closed) return;
    this.#clear();
    this.#tick();
  }

  /** The lanes left a direct path for the relay: the next direct path waits longer. */
  fell(): void {
    const now = this.deps.now();
    this.#falls = [...this.#falls.filter((at) => now - at < FALLS_FORGOTTEN_MS), now];
  }

  /** How long the next direct path must have answered before it is taken. */
  get holdMs(): number {
    const now = this.deps.now();
    const falls = this.#falls.filter((at) => now - at < FALLS_FORGOTTEN_MS).length;
    return falls === 0 ? 0 : Math.min(HOLD_MAX_MS, HOLD_FIRST_MS * 2 ** (falls - 1));
  }

  stop(): void {
    this.#closed = true;
    this.#clear();
  }

  #tick(): void {
    this.#timer = null;
    const { relay, probes } = this.deps;
    const peer = this.deps.peer();
    if (!this.deps.started() || this.deps.current() !== relay || peer === null || !peer.isOpen || !relay.isOpen) return;
    const directRtt = probes.rttMs(peer);
    const relayRtt = probes.rttMs(relay);
    if (probes.answered(peer) >= SAMPLES_NEEDED && probes.silentForMs(relay) >= RELAY_SILENT_MS) {
      this.deps.logger.debug({ directRtt, relaySilentMs: probes.silentForMs(relay) }, 'the relay answers no more: moving to the confirmed direct path');
      probes.forget(peer);
      this.deps.moveTo(peer);
      return;
    }
    if (probes.answered(peer) >= SAMPLES_NEEDED && probes.answered(relay) >= SAMPLES_NEEDED && directRtt !== null && relayRtt !== null) {
      const better = directRtt <= directThresholdMs(relayRtt);
      if (better && probes.confirmedForMs(peer) >= this.holdMs) {
        this.deps.logger.debug({ directRtt, relayRtt }, 'direct path confirmed and faster: moving to it');
        probes.forget(peer);
        this.deps.moveTo(peer);
        return;
      }
      this.#probe(peer, better ? PROBE_FAST_MS : PROBE_SLOW_MS);
      return;
    }
    this.#probe(peer, PROBE_FAST_MS);
  }

  #probe(peer: DirectPath, nextMs: number): void {
    this.deps.probes.probe(peer);
    this.deps.probes.probe(this.deps.relay);
    this.#timer = setTimeout(() => this.#tick(), nextMs);
  }

  #clear(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
