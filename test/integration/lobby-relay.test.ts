/**
 * The lobby relay, on the real server (its own process, random port): the link contract runs
 * unchanged over it, links with `relay: 'always'` carry both lanes through the server, and the
 * server counts what it relays.
 */
import { createLink, type Lane, type LinkInit, type LinkRelay, type LinkTypes } from '@rallypoint/core';
import { createLobby, type LobbyInit, type RoomSession } from '@rallypoint/lobby/node';
import { afterEach, expect, test } from 'vitest';
import { describeLinkContract, type ContractFactory } from '../helpers/link-contract.js';
import { Renumberer } from '../helpers/renumber.js';
import { serverForFile } from '../helpers/server-per-file.js';
import { linksOpen } from '../helpers/session.js';
import { until, waitFor } from '../helpers/wait.js';

// 2 MiB/s (4 MiB in the bucket): the 5 MiB event waits about a second for budget, and the
// backed-up test reaches the point where the session holds state back after 4 MiB, not 16.
const server = serverForFile(['--relay-bytes-per-second', String(2 * 1024 * 1024)]);
const sessions: RoomSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.leave()));
});

/** B's relay with the contract's hooks: what B's link sends can be rewritten, and raw frames injected. */
function tappedRelay(relay: LinkRelay) {
  let filter: ((lane: Lane, bytes: Uint8Array) => Uint8Array | null) | null = null;
  const numbering = new Renumberer();
  const tapped: LinkRelay = {
    send(lane, frame) {
      if (lane === 'hello') return relay.send(lane, frame);
      const numbered = lane === 'events' ? numbering.outgoing(frame) : frame;
      const out = filter === null ? numbered : filter(lane, numbered);
      if (out !== null) relay.send(lane, out);
    },
    get bufferedAmount() {
      return relay.bufferedAmount;
    },
    maxMessageSize: relay.maxMessageSize,
    onFrame: (fn) => relay.onFrame((lane, frame) => fn(lane, lane === 'events' ? numbering.incoming(frame) : frame)),
  };
  return {
    relay: tapped,
    inject: (lane: Lane, data: Uint8Array | string) => {
      if (typeof data === 'string') throw new Error('the relay carries bytes only');
      relay.send(lane, data);
    },
    injectFrame: (frame: Uint8Array) => relay.send('events', numbering.inject(frame)),
    setFilter: (next: typeof filter) => (filter = next),
  };
}

async function relayedPair<T extends LinkTypes>(options: { a?: Partial<LinkInit>; b?: Partial<LinkInit>; waitOpen?: boolean } = {}) {
  let tap: ReturnType<typeof tappedRelay> | undefined;
  const lobby = (side: 'a' | 'b'): LobbyInit<T> => ({
    url: server().url,
    relay: 'always',
    link: options[side] ?? {},
    // The browser build of the link: with `direct: false` it needs no WebRTC at all.
    createLink: (init) => {
      if (side === 'a' || init.relay === undefined) return createLink<T>(init);
      tap = tappedRelay(init.relay);
      return createLink<T>({ ...init, relay: tap.relay });
    },
  });
  const a = await createLobby<T>(lobby('a')).create({ name: 'A' });
  const b = await createLobby<T>(lobby('b')).join(a.code, { name: 'B' });
  sessions.push(a as unknown as RoomSession, b as unknown as RoomSession);
  await until(() => a.links.has(b.me.id) && b.links.has(a.me.id) && tap !== undefined, 'both sides made their link');
  const linkA = a.links.get(b.me.id)!;
  const linkB = b.links.get(a.me.id)!;
  if (options.waitOpen !== false) await Promise.all([waitFor(linkA, 'open'), waitFor(linkB, 'open')]);
  return { a: linkA, b: linkB, tap: tap!, sessions: [a, b] as const };
}

const createPair: ContractFactory = async <T extends LinkTypes>(options = {}) => {
  const pair = await relayedPair<T>(options);
  return {
    a: pair.a,
    b: pair.b,
    injectFromB: pair.tap.inject,
    injectFrameFromB: pair.tap.injectFrame,
    filterB: pair.tap.setFilter,
    close: () => {
      pair.a.close();
      pair.b.close();
    },
  };
};

describeLinkContract('the lobby relay', createPair, { transport: 'relay', textAndEmptyFrames: false });

test('relayed links are counted in /metrics: bytes, frames and the links themselves', async () => {
  const { a, b } = await relayedPair<{ events: { n: number }; state: { x: number } }>();
  const got: number[] = [];
  b.events.on('n', (n) => got.push(n));
  for (let n = 0; n < 100; n++) a.events.emit('n', n);
  await until(() => got.length === 100, '100 events relayed');
  const metrics = await server().metrics();
  expect(metrics).toMatch(/^rallypoint_relayed_links [1-9]/m);
  expect(Number(/^rallypoint_relay_bytes_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(100 * 4);
  expect(a.transport).toBe('relay');
});
