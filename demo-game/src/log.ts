/**
 * The demo's logger: what the library warns about goes to the console, prefixed, and the newest
 * few lines show in the debug overlay, so a player who opens it sees what went wrong.
 */
import type { Logger } from '@rallypoint/core';

export interface DemoLog {
  logger: Logger;
  /** The newest warnings, oldest first. */
  readonly recent: readonly string[];
}

const KEEP = 5;

export function createDemoLog(): DemoLog {
  const recent: string[] = [];
  return {
    recent,
    logger: {
      debug: () => undefined,
      warn(data, message) {
        console.warn(`[gem rush] ${message}`, data);
        recent.push(`${new Date().toLocaleTimeString()} ${message}`.slice(0, 160));
        if (recent.length > KEEP) recent.shift();
      },
    },
  };
}
