/**
 * Client-side prediction and reconciliation. The game supplies a pure `step(state, input, dtMs)`.
 * Inputs apply at once and get sequence numbers; the last `redundancy` unacknowledged ones ride
 * every state message, so a lost message loses no input. When the host's state arrives with the
 * number of the last input it applied, the client rewinds to it, replays the rest, and the jump
 * between the old and new prediction is shown as an offset that decays, not as a snap.
 */
import { checkRanges, COUNT, NOT_NEGATIVE, POSITIVE } from './ranges.js';

/** Options of `Predictor`: the game's step, its fixed length, and how inputs are kept and corrections shown. */
export interface PredictorInit<S, I> {
  /** One input applied to the state over one tick of `dtMs`: the same rule the host runs. */
  step: (state: S, input: I, dtMs: number) => S;
  /** The state before any input (where the host spawns the entity). */
  initial: S;
  /** The fixed step `step` is called with, in ms (more than 0). */
  dtMs: number;
  /** Unacknowledged inputs sent with every message; a whole number, 1 or more. @default 8 */
  redundancy?: number;
  /** Numeric fields whose corrections are smoothed (others snap). @default [] */
  smooth?: readonly (keyof S & string)[];
  /** Half-life of the visible correction, in ms; 0: corrections show at once. @default 100 */
  smoothingHalfLifeMs?: number;
  /** Inputs kept for replay (a whole number, 1 or more); older ones are dropped (a host that far behind resyncs us anyway). @default 256 */
  maxPending?: number;
}

/** An input with its sequence number. */
export interface SequencedInput<I> {
  /** The input's number: one more for each input this player makes. */
  seq: number;
  /** The input, as the game defines it. */
  input: I;
}

/** Applies a player's inputs at once, then replays the unacknowledged ones over each authoritative state. */
export class Predictor<S, I> {
  #state: S;
  #nextSeq = 1;
  #pending: SequencedInput<I>[] = [];
  readonly #offset = new Map<string, number>();
  #correctionTotal = 0;

  constructor(private readonly init: PredictorInit<S, I>) {
    checkRanges('Predictor', [
      ['dtMs', init.dtMs, POSITIVE],
      ['redundancy', init.redundancy, COUNT],
      ['smoothingHalfLifeMs', init.smoothingHalfLifeMs, NOT_NEGATIVE],
      ['maxPending', init.maxPending, COUNT],
    ]);
    this.#state = init.initial;
  }

  /** The predicted state (without the visual offset). */
  get state(): S {
    return this.#state;
  }

  /** Apply an input now; returns its sequence number. */
  apply(input: I): number {
    const seq = this.#nextSeq++;
    this.#pending.push({ seq, input });
    if (this.#pending.length > (this.init.maxPending ?? 256)) this.#pending.shift();
    this.#state = this.init.step(this.#state, input, this.init.dtMs);
    return seq;
  }

  /** The newest unacknowledged inputs, oldest first, to send with the next state message. */
  unacknowledged(): SequencedInput<I>[] {
    return this.#pending.slice(-(this.init.redundancy ?? 8));
  }

  /** Host state after applying inputs up to `lastAppliedSeq`: rewind, replay, smooth the jump. */
  reconcile(authoritative: S, lastAppliedSeq: number): void {
    const before = this.#state;
    this.#pending = this.#pending.filter((p) => p.seq > lastAppliedSeq);
    let state = authoritative;
    for (const { input } of this.#pending) state = this.init.step(state, input, this.init.dtMs);
    this.#state = state;
    let correction = 0;
    for (const field of this.init.smooth ?? []) {
      const jump = (before[field] as number) - (state[field] as number);
      if (!Number.isFinite(jump)) continue;
      correction += jump * jump;
      this.#offset.set(field, (this.#offset.get(field) ?? 0) + jump);
    }
    this.#correctionTotal += Math.sqrt(correction);
  }

  /** What to draw: the prediction plus the decaying correction offset. Call once per frame. */
  visual(elapsedMs: number): S {
    const halfLifeMs = this.init.smoothingHalfLifeMs ?? 100;
    const decay = halfLifeMs === 0 ? 0 : Math.pow(0.5, elapsedMs / halfLifeMs);
    const out = { ...this.#state };
    for (const [field, offset] of this.#offset) {
      const next = Math.abs(offset * decay) < 1e-6 ? 0 : offset * decay;
      this.#offset.set(field, next);
      (out as Record<string, unknown>)[field] = (this.#state[field as keyof S] as number) + next;
    }
    return out;
  }

  /** Sum of the sizes of all corrections so far (distance units over `smooth` fields). */
  get correctionTotal(): number {
    return this.#correctionTotal;
  }

  get pendingCount(): number {
    return this.#pending.length;
  }
}

/**
 * The host's side: inputs from one client, deduplicated (they come redundantly) and handed out in
 * order, each once. Sequence numbers that skip ahead mean lost inputs; those are gone for good
 * only if every message that carried them was lost.
 *
 * Only a window of sequence numbers past the last applied one is kept: a client cannot make the
 * host hold (or search) more than `windowSize` inputs, whatever numbers it sends. An honest
 * client is never that far ahead: its predictor keeps at most 256 unacknowledged inputs.
 */
export class InputQueue<I> {
  #lastApplied = 0;
  readonly #waiting = new Map<number, I>();
  #dropped = 0;

  /** @param windowSize how far past the last applied input a sequence number may be. @default 256 */
  constructor(private readonly windowSize = 256) {}

  /** Everything in a received message. */
  receive(inputs: readonly SequencedInput<I>[]): void {
    for (const { seq, input } of inputs) {
      if (seq <= this.#lastApplied || this.#waiting.has(seq)) continue; // a redundant copy
      if (seq > this.#lastApplied + this.windowSize) {
        this.#dropped++;
        continue;
      }
      this.#waiting.set(seq, input);
    }
  }

  /** The next input to apply, in order, or undefined. Skips a gap only if `allowGap`. */
  next(allowGap = false): SequencedInput<I> | undefined {
    let seq = this.#lastApplied + 1;
    if (!this.#waiting.has(seq)) {
      if (!allowGap || this.#waiting.size === 0) return undefined;
      seq = Infinity;
      for (const waiting of this.#waiting.keys()) if (waiting < seq) seq = waiting;
    }
    const input = this.#waiting.get(seq) as I;
    this.#waiting.delete(seq);
    this.#lastApplied = seq;
    return { seq, input };
  }

  /** The last input applied: acknowledged to the client in its snapshots. */
  get lastApplied(): number {
    return this.#lastApplied;
  }

  get waiting(): number {
    return this.#waiting.size;
  }

  /** Inputs refused for being too far ahead of the last applied one. */
  get dropped(): number {
    return this.#dropped;
  }
}
