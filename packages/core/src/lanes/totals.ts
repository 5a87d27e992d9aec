/**
 * Per-lane traffic counters and the rates derived from them. Rates are measured over the last
 * completed sampling interval (one heartbeat), so they reflect the recent second, not the whole
 * session.
 */
export interface LaneTotals {
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
}

export interface LaneRates {
  messagesInPerSec: number;
  messagesOutPerSec: number;
  bytesInPerSec: number;
  bytesOutPerSec: number;
}

export const emptyTotals = (): LaneTotals => ({ messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0 });
const zeroRates = (): LaneRates => ({ messagesInPerSec: 0, messagesOutPerSec: 0, bytesInPerSec: 0, bytesOutPerSec: 0 });

export class RateMeter {
  #last: { atMs: number; totals: LaneTotals; lost: number; received: number };
  rates: LaneRates = zeroRates();
  /** Share of state-lane frames lost over the last interval, 0..1. */
  lossRate = 0;

  constructor(
    atMs: number,
    private readonly read: () => { totals: LaneTotals; lost: number; received: number },
  ) {
    const now = read();
    this.#last = { atMs, totals: { ...now.totals }, lost: now.lost, received: now.received };
  }

  sample(atMs: number): void {
    const now = this.read();
    const seconds = (atMs - this.#last.atMs) / 1000;
    if (seconds <= 0) return;
    const prev = this.#last.totals;
    this.rates = {
      messagesInPerSec: (now.totals.messagesIn - prev.messagesIn) / seconds,
      messagesOutPerSec: (now.totals.messagesOut - prev.messagesOut) / seconds,
      bytesInPerSec: (now.totals.bytesIn - prev.bytesIn) / seconds,
      bytesOutPerSec: (now.totals.bytesOut - prev.bytesOut) / seconds,
    };
    const lost = now.lost - this.#last.lost;
    const received = now.received - this.#last.received;
    this.lossRate = lost + received > 0 ? Math.max(0, lost) / (Math.max(0, lost) + received) : 0;
    this.#last = { atMs, totals: { ...now.totals }, lost: now.lost, received: now.received };
  }
}
