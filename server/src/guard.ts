import { LobbyLimits } from '@rallypoint/protocol';

/** Why the guard refused a message; also the `reason` label of the rejected-messages metric. */
export type RefusalReason = 'rate_limited' | 'too_large' | 'undecodable' | 'unknown_type' | 'invalid';

/** One client's message budget and strike allowance. */
export interface GuardLimits {
  /** Messages a client may send at once after being quiet (the bucket's size); 1 or more. */
  messageBurst: number;
  /** Messages a second the bucket refills with; more than 0. */
  messagesPerSecond: number;
  /** Refused messages (one forgiven a second) after which the client is disconnected (code 4429); 1 or more. */
  abuseStrikes: number;
  /** Relay frames dropped for being over budget that count as one strike; 1 or more. */
  relayDropsPerStrike: number;
}

/**
 * One client's message budget: a token bucket for floods, and strikes for refused messages (one
 * forgiven per second). Clock injected, so tests need no real time.
 */
export class ClientGuard {
  #tokens: number;
  #strikes = 0;
  #updatedAt: number;
  #lastRateLimitReplySecond = -1;
  #expelled = false;
  #relayDrops = 0;

  constructor(
    private readonly now: () => number,
    private readonly limits: GuardLimits = LobbyLimits,
  ) {
    this.#tokens = limits.messageBurst;
    this.#updatedAt = now();
  }

  /** Spend one token; false when the client is over budget. */
  take(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Count a refused message; true (once) when the client has now earned disconnection. */
  strike(): boolean {
    this.#refill();
    this.#strikes += 1;
    if (this.#expelled || this.#strikes < this.limits.abuseStrikes) return false;
    this.#expelled = true;
    return true;
  }

  /**
   * Count a relay frame dropped for being over the member's budget: a strike every
   * `relayDropsPerStrike` of them. True (once) when the client has now earned disconnection.
   */
  overRelayBudget(): boolean {
    if (++this.#relayDrops < this.limits.relayDropsPerStrike) return false;
    this.#relayDrops = 0;
    return this.strike();
  }

  /** The client is being disconnected: ignore whatever it still sends, and keep no seat for it. */
  get expelled(): boolean {
    return this.#expelled;
  }

  /** The client broke the WebSocket protocol itself (a frame over the limit, bad framing). */
  expel(): void {
    this.#expelled = true;
  }

  /**
   * Whether a refusal gets an error reply. Every refusal within the budget does (the budget bounds
   * them); refusals for being over budget get one reply a second, so a flood is not echoed back.
   */
  mayReply(reason: RefusalReason): boolean {
    if (reason !== 'rate_limited') return true;
    const second = Math.floor(this.now() / 1000);
    if (second === this.#lastRateLimitReplySecond) return false;
    this.#lastRateLimitReplySecond = second;
    return true;
  }

  #refill(): void {
    const now = this.now();
    const elapsedS = Math.max(0, now - this.#updatedAt) / 1000;
    this.#updatedAt = now;
    this.#tokens = Math.min(this.limits.messageBurst, this.#tokens + elapsedS * this.limits.messagesPerSecond);
    this.#strikes = Math.max(0, this.#strikes - elapsedS);
  }
}
