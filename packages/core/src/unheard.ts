/**
 * Node's rule for `error` events, kept without the crash: an error nobody listens for is still
 * written down, through the logger. The first of each kind (error name) at once, then at most one
 * per kind a minute, saying how many of that kind were not written in between.
 */
import type { Logger } from './types.js';

/** Warnings to the console, nothing else: the default where no logger is given. */
export const consoleLogger: Logger = {
  debug: () => undefined,
  warn: (data, message) => console.warn(`[rallypoint] ${message}`, data),
};

/** Writes errors nobody listens for to the logger: the first of each kind at once, then at most one a minute. */
export class UnheardErrors {
  readonly #last = new Map<string, { atMs: number; unwritten: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number,
    private readonly intervalMs = 60_000,
  ) {}

  report(error: Error, context: Record<string, unknown> = {}): void {
    const kind = error.name;
    const last = this.#last.get(kind);
    const now = this.now();
    if (last !== undefined && now - last.atMs < this.intervalMs) {
      last.unwritten++;
      return;
    }
    this.#last.set(kind, { atMs: now, unwritten: 0 });
    const unwritten = last?.unwritten ?? 0;
    const more = unwritten > 0 ? ` (${unwritten} more since the last one)` : '';
    this.logger.warn({ ...context, error }, `${error.message}${more} — no 'error' listener; ${kind} is written at most once a minute`);
  }
}
