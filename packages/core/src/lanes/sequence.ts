import { seqDiff } from '../wire/frames.js';

/**
 * Receive-side bookkeeping for the state lane: which sequence numbers arrived, which are missing
 * (loss), and which are duplicates. A sliding window remembers the last WINDOW numbers, so a frame
 * that arrives late (reordered) is told apart from a duplicate and is taken back out of the loss.
 *
 * Sequence numbers are 32 bits and wrap; they compare with serial-number arithmetic (RFC 1982)
 * against the newest, which is kept unwrapped (a count from the sender's first frame, 0). A frame
 * that lands more than MAX_SEQ_JUMP away, or before the sender's first frame, cannot be honest
 * traffic: it is `out-of-window` (bad input) and never becomes the newest, so one bad frame can
 * neither blind the lane to the frames after it nor make the loss count up to four billion.
 */
const WINDOW = 1024;

/**
 * Largest jump, ahead or behind, a sequence number may make and still count (about 17 minutes of
 * frames at 1,000 a second). Honest senders lose a few hundred frames in a path change, not this.
 */
export const MAX_SEQ_JUMP = 2 ** 20;

/**
 * Out-of-window frames close together (each within WINDOW of the one before, none honest between)
 * this many times in a row: the sender's numbering really moved, and the window moves to it.
 */
const RESYNC_AFTER = 3;

const U32 = 0x1_0000_0000;

export type Arrival = 'new' | 'late' | 'duplicate' | 'too-old' | 'out-of-window';

export class SequenceWindow {
  /** Unwrapped: how many sequence numbers the sender used before the newest, or -1 before any. */
  #newest = -1;
  readonly #seen = new Uint8Array(WINDOW);
  /** The last out-of-window sequence number, and how many came in a row close to each other. */
  #stray = 0;
  #strays = 0;
  /** Where the window last moved to (see RESYNC_AFTER): frames before it were never counted lost. */
  #floor = 0;
  /** Frames that were skipped over and have not (yet) arrived. */
  lost = 0;
  received = 0;
  duplicates = 0;
  /** Frames whose sequence number was outside the window (bad input: not counted as received). */
  outOfWindow = 0;
  /** Times the window moved to a sender whose numbering jumped (see RESYNC_AFTER). */
  resyncs = 0;

  /** The newest sequence number, as it went on the wire (32 bits); -1 before any. */
  get newest(): number {
    return this.#newest < 0 ? -1 : this.#newest % U32;
  }

  accept(seq: number): Arrival {
    const at = this.#newest + seqDiff(seq, (this.#newest + U32) % U32);
    if (at < 0 || Math.abs(at - this.#newest) > MAX_SEQ_JUMP) return this.#outside(seq, at);
    this.#strays = 0;
    if (at > this.#newest) return this.#advance(at, at - this.#newest - 1);
    if (this.#newest - at >= WINDOW || at < this.#floor) return 'too-old';
    if (this.#seen[at % WINDOW] === 1) {
      this.duplicates++;
      return 'duplicate';
    }
    this.#seen[at % WINDOW] = 1;
    this.lost--;
    this.received++;
    return 'late';
  }

  #advance(at: number, gap: number): Arrival {
    // Clear the slots we skip so they read as "not seen"; a gap wider than the window clears all.
    if (at - this.#newest > WINDOW) this.#seen.fill(0);
    else for (let s = this.#newest + 1; s < at; s++) this.#seen[s % WINDOW] = 0;
    this.lost += gap;
    this.#newest = at;
    this.#seen[at % WINDOW] = 1;
    this.received++;
    return 'new';
  }

  #outside(seq: number, at: number): Arrival {
    const following = this.#strays > 0 && seqDiff(seq, this.#stray) > 0 && seqDiff(seq, this.#stray) <= WINDOW;
    this.#strays = following ? this.#strays + 1 : 1;
    this.#stray = seq;
    if (this.#strays < RESYNC_AFTER || at <= this.#newest) {
      this.outOfWindow++;
      return 'out-of-window';
    }
    // The sender's numbering moved for real: follow it, without calling the jump loss.
    this.#strays = 0;
    this.resyncs++;
    this.#floor = at;
    return this.#advance(at, 0);
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
