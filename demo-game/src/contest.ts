/**
 * Who gets a gem two players reach at about the same time. Each player sees the other about
 * 100 ms late, so "first" is judged as each saw it: every touch carries the host time of the
 * frame its player was looking at when making the move that touched (SyncHost's `seen`, clamped
 * by its lag compensation), and the earliest wins. A gem nobody else is near goes at once; a gem
 * another player is near is held for CONTEST_MS, long enough for the other player's touch to
 * arrive, then goes to the earliest touch. Pure: the host runs it each tick.
 */
export const CONTEST_MS = 100;
/** Another player within this of a touched gem (arena units) makes it contested. */
export const CONTEST_RADIUS = 120;

/** One player touching a gem: who, and the host time of the frame they saw when they moved onto it. */
export interface Touch {
  player: string;
  seenAt: number;
}

/** The gems being contested, and who touched each, when. */
export class GemContests {
  readonly #held = new Map<number, { until: number; touches: Touch[] }>();

  /**
   * This tick's touches of a gem, and whether another player is near it. Returns who gets it,
   * once that is decided (undefined: nobody yet, or held while the other player's touch may
   * still come).
   */
  judge(gemId: number, touches: readonly Touch[], contested: boolean, nowMs: number): string | undefined {
    let held = this.#held.get(gemId);
    if (held === undefined) {
      if (touches.length === 0) return undefined;
      if (!contested) return earliest(touches);
      held = { until: nowMs + CONTEST_MS, touches: [] };
      this.#held.set(gemId, held);
    }
    for (const touch of touches) if (!held.touches.some((t) => t.player === touch.player)) held.touches.push(touch);
    if (nowMs < held.until) return undefined;
    this.#held.delete(gemId);
    return earliest(held.touches);
  }

  /** Gems held now. */
  get size(): number {
    return this.#held.size;
  }
}

function earliest(touches: readonly Touch[]): string {
  return touches.reduce((best, touch) => (touch.seenAt < best.seenAt ? touch : best)).player;
}
