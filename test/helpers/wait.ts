/**
 * Waiting on events with a deadline, never on a fixed sleep. Deadlines scale with
 * RALLYPOINT_TEST_TIMEOUT_SCALE (e.g. 0.5 on a fast machine, 3 on a slow CI box).
 */
import type { Link, LinkEvents, LinkTypes } from '@rallypoint/core';

const scale = Number(process.env.RALLYPOINT_TEST_TIMEOUT_SCALE ?? '1') || 1;

export const deadline = (ms: number): number => Math.round(ms * scale);

export function waitFor<K extends keyof LinkEvents, T extends LinkTypes>(
  link: Link<T>,
  name: K,
  timeoutMs = 10_000,
): Promise<LinkEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${deadline(timeoutMs)} ms waiting for "${String(name)}"`));
    }, deadline(timeoutMs));
    const off = link.once(name, (event) => {
      clearTimeout(timer);
      resolve(event);
    });
  });
}

/** Polls `check` until it is truthy or the deadline passes. */
export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + deadline(timeoutMs);
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${deadline(timeoutMs)} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
