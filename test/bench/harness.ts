/** The small shared kit of every benchmark scenario: percentiles, waiting, timing. */

export type Metrics = Record<string, number>;

export interface Scenario {
  name: string;
  /** What it measures, for the table. */
  description: string;
  run(): Promise<Metrics>;
}

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((x, y) => x - y);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

export const round = (n: number, digits = 3): number => Number(n.toFixed(digits));

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves when `target` fires `name` once (an EventTarget-like channel, or a link). */
export function next(target: EventTarget, name: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${name}" within ${timeoutMs} ms`)), timeoutMs);
    target.addEventListener(
      name,
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/** Runs `step` in `rounds` alternating turns of ours and the baseline, so both see the same machine. */
export async function alternate(rounds: number, ours: () => Promise<void>, raw: () => Promise<void>): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      await ours();
      await raw();
    } else {
      await raw();
      await ours();
    }
  }
}

/**
 * Signaling messages of one connect, and its turns: runs of messages from one side, so a
 * one-way burst of candidates is one turn and an offer answered is two.
 */
export class SignalTally {
  count = 0;
  turns = 0;
  #last: string | undefined;

  record(from: string): void {
    this.count++;
    if (from !== this.#last) this.turns++;
    this.#last = from;
  }
}
