import { LobbyLimits } from '@rallypoint/protocol';

/** Why the guard refused a message; also the `reason` label of the rejected-messages metric. */
export type RefusalReason = 'rate_limited' | 'too_large' | 'undecodable' | 'unknown_type' | 'invalid';

export interface GuardLimits {
  messageBurst: number;
  messagesPerSecond: number;
  abuseStrikes: number;
}

/**
 * One client's message budget: a token bucket for floods, and strikes for refused messages (one
 * forgiven per second). Clock injected, so tests need no real time.
 */
export class ClientGuard {
  #tokens: number;
  #strikes = 0;
  #updatedAt: number;
  #errorRepliesThisSecond = 0;
  #errorSecond = 0;

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

  /** Count a refused message; true when the client has now earned disconnection. */
  strike(): boolean {
    this.#refill();
    this.#strikes += 1;
    return this.#strikes >= this.limits.abuseStrikes;
  }

  /** Error replies are capped at 20 a second, so refusing a flood does not become one. */
  mayReply(): boolean {
    const second = Math.floor(this.now() / 1000);
    if (second !== this.#errorSecond) {
      this.#errorSecond = second;
      this.#errorRepliesThisSecond = 0;
    }
    return this.#errorRepliesThisSecond++ < 20;
  }

  #refill(): void {
    const now = this.now();
    const elapsedS = Math.max(0, now - this.#updatedAt) / 1000;
    this.#updatedAt = now;
    this.#tokens = Math.min(this.limits.messageBurst, this.#tokens + elapsedS * this.limits.messagesPerSecond);
    this.#strikes = Math.max(0, this.#strikes - elapsedS);
  }
}
