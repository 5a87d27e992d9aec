/**
 * Receive-side bookkeeping for the state lane: which sequence numbers arrived, which are missing
 * (loss), and which are duplicates. A sliding window remembers the last WINDOW numbers, so a frame
 * that arrives late (reordered) is told apart from a duplicate and is taken back out of the loss.
 */
const WINDOW = 1024;

export type Arrival = 'new' | 'late' | 'duplicate' | 'too-old';

export class SequenceWindow {
  #newest = -1;
  readonly #seen = new Uint8Array(WINDOW);
  /** Frames that were skipped over and have not (yet) arrived. */
  lost = 0;
  received = 0;
  duplicates = 0;

  get newest(): number {
    return this.#newest;
  }

  accept(seq: number): Arrival {
    if (seq > this.#newest) {
      const gap = seq - this.#newest - 1;
      // Clear the slots we skip so they read as "not seen"; a gap wider than the window clears all.
      for (let s = this.#newest + 1; s < seq && s - this.#newest <= WINDOW; s++) this.#seen[s % WINDOW] = 0;
      this.lost += gap;
      this.#newest = seq;
      this.#seen[seq % WINDOW] = 1;
      this.received++;
      return 'new';
    }
    if (this.#newest - seq >= WINDOW) return 'too-old';
    if (this.#seen[seq % WINDOW] === 1) {
      this.duplicates++;
      return 'duplicate';
    }
    this.#seen[seq % WINDOW] = 1;
    this.lost--;
    this.received++;
    return 'late';
  }
}

/**
 * Smoothed round-trip time and jitter from heartbeat samples: RFC 6298's SRTT (gain 1/8) and
 * RFC 3550's interarrival-jitter filter (gain 1/16) applied to successive RTT samples.
 */
export class RttEstimator {
  rttMs: number | null = null;
  jitterMs: number | null = null;
  lastSampleMs: number | null = null;
  samples = 0;

  sample(rttMs: number): void {
    if (this.rttMs === null || this.lastSampleMs === null) {
      this.rttMs = rttMs;
      this.jitterMs = 0;
    } else {
      this.rttMs += (rttMs - this.rttMs) / 8;
      this.jitterMs = (this.jitterMs ?? 0) + (Math.abs(rttMs - this.lastSampleMs) - (this.jitterMs ?? 0)) / 16;
    }
    this.lastSampleMs = rttMs;
    this.samples++;
  }
}

const U32 = 0x1_0000_0000;

/**
 * Turns the remote's 32-bit microsecond timestamps back into its full clock. Timestamps are
 * relative to the remote link's creation (`epochMs` in its hello) and wrap every ~71 minutes;
 * frames arrive at least once per heartbeat, so each new value is within half a wrap of the last.
 */
export class RemoteClock {
  #lastUs: number;

  constructor(
    private readonly epochMs: number,
    elapsedUs: number,
  ) {
    this.#lastUs = elapsedUs;
  }

  toRemoteMs(sentAtUs: number): number {
    let delta = (sentAtUs - (this.#lastUs % U32) + U32) % U32;
    if (delta >= U32 / 2) delta -= U32;
    const unwrapped = this.#lastUs + delta;
    if (unwrapped > this.#lastUs) this.#lastUs = unwrapped;
    return this.epochMs + unwrapped / 1000;
  }
}
