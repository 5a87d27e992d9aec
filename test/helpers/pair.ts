/**
 * Two real links (node-datachannel) signaling to each other in-process, as the lobby will do
 * between two browsers. Signals go through JSON, as they do on any real signaling path.
 */
import { createLink, type Link, type LinkInit, type LinkTypes } from '@rallypoint/core/node';
import { createSpyRtc, type SpyRtc } from './spy-rtc.js';
import { waitFor } from './wait.js';

export interface LinkPair<T extends LinkTypes> {
  a: Link<T>;
  b: Link<T>;
  /** Raw access to each side's channels (see spy-rtc.ts). */
  spyA: SpyRtc;
  spyB: SpyRtc;
  close(): void;
}

export interface PairOptions {
  a?: Partial<LinkInit>;
  b?: Partial<LinkInit>;
  /** Resolve once both are open (default), or hand back the links still connecting. */
  waitOpen?: boolean;
}

export async function createLinkPair<T extends LinkTypes = LinkTypes>(options: PairOptions = {}): Promise<LinkPair<T>> {
  const spyA = createSpyRtc();
  const spyB = createSpyRtc();
  const a = createLink<T>({ rtc: spyA.rtc, ...options.a, initiator: true });
  const b = createLink<T>({ rtc: spyB.rtc, ...options.b, initiator: false });
  a.on('signal', (data) => b.signal(JSON.parse(JSON.stringify(data))));
  b.on('signal', (data) => a.signal(JSON.parse(JSON.stringify(data))));
  const pair: LinkPair<T> = {
    a,
    b,
    spyA,
    spyB,
    close() {
      a.close();
      b.close();
    },
  };
  if (options.waitOpen === false) return pair;
  // Fail fast, with the reason, if the connection fails before both sides open.
  const offs: Array<() => void> = [];
  const failed = new Promise<never>((_, reject) => {
    for (const [link, side] of [[a, 'A'], [b, 'B']] as const) {
      offs.push(
        link.on('close', (e) => {
          if (e.reason === 'connection-failed') reject(new Error(`${side} connection-failed: ${e.error?.message ?? ''}`));
        }),
      );
    }
  });
  try {
    await Promise.race([Promise.all([waitFor(a, 'open'), waitFor(b, 'open')]), failed]);
  } catch (error) {
    pair.close();
    throw error;
  } finally {
    for (const off of offs) off();
  }
  return pair;
}
