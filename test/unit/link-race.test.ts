/**
 * Races (connections.ts), on in-memory paths: a connection that is stuck is raced by a second
 * one instead of waited out. Its DTLS late after ICE connected (on an implementation that says
 * `racesDtls`, as node-datachannel's does): a fresh connection of the same kind. No pair
 * connecting once every candidate is out, with TURN in the room: one through TURN only. The
 * initiator keeps the first to open and closes the other on both sides; the answering side's
 * link hears only of the one kept. The same race over node-datachannel, with a real DTLS packet
 * dropped in the network lab, is in netlab-race.test.ts.
 */
import type { Link, LinkInit, TransportChangedEvent } from '@rallypoint/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createLinkWith } from '../../packages/core/src/link/link.js';
import { LoopbackNetwork, loopbackRtc, memoryRelay } from '../helpers/loopback.js';
import { until, waitFor } from '../helpers/wait.js';

type Game = { events: { n: { n: number } }; state: { t: number } };

const links: Link<Game>[] = [];
afterEach(() => {
  for (const link of links.splice(0)) link.close();
});

const racingRtc = { ...loopbackRtc, racesDtls: true };
const TURN = [{ urls: 'turn:turn.invalid:3478', username: 'u', credential: 'c' }];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Two links on `network` (with an in-memory relay unless `withRelay: false`), transport changes and opened paths kept. */
function pair(network: LoopbackNetwork, { withRelay = true, ...init }: Partial<LinkInit> & { withRelay?: boolean } = {}) {
  const relays = withRelay ? memoryRelay() : null;
  const make = (side: 'a' | 'b') =>
    createLinkWith<Game>(
      { rtc: racingRtc, ...init, ...(relays !== null && { relay: relays[side] }), initiator: side === 'a' },
      { createPath: network.factory(side) },
    );
  const a = make('a');
  const b = make('b');
  links.push(a, b);
  a.on('signal', (data) => b.signal(data));
  b.on('signal', (data) => a.signal(data));
  const changes: TransportChangedEvent[] = [];
  a.on('transportChanged', (event) => changes.push(event));
  b.on('transportChanged', (event) => changes.push(event));
  const closed: string[] = [];
  a.on('close', ({ reason }) => closed.push(`A ${reason}`));
  b.on('close', ({ reason }) => closed.push(`B ${reason}`));
  return { a, b, changes, closed };
}

/** Which connections exist on each side: `id:open`, `id:dead` or `id:making`. */
function ends(network: LoopbackNetwork, ids: number[]): string[] {
  return ids.flatMap((id) =>
    (['a', 'b'] as const).map((side) => {
      const end = network.end(id, side);
      return `${side}${id}:${end === undefined ? 'none' : end.isDead ? 'dead' : end.isOpen ? 'open' : 'making'}`;
    }),
  );
}

describe('a connection whose DTLS is late after ICE connected', () => {
  it('is raced by a fresh one; the link moves there, the late one is closed on both sides, every event arrives once', async () => {
    const network = new LoopbackNetwork({ stuck: (id) => (id === 0 ? 'dtls' : null) });
    const { a, b, changes, closed } = pair(network);
    await Promise.all([waitFor(a, 'open'), waitFor(b, 'open')]);
    const received: number[] = [];
    b.events.on('n', ({ n }) => received.push(n));
    for (let n = 0; n < 500; n++) a.events.emit('n', { n });
    await until(() => a.transport === 'p2p' && b.transport === 'p2p', 'both links on the racing connection');
    await until(() => received.length === 500, 'every event');
    expect(received).toEqual(Array.from({ length: 500 }, (_, n) => n));
    expect(ends(network, [0, 1])).toEqual(['a0:dead', 'b0:dead', 'a1:open', 'b1:open']);
    expect(network.end(1, 'a')!.policy).toBe('all');
    expect(changes.map((event) => `${event.previous}>${event.transport}`)).toEqual(['relay>p2p', 'relay>p2p']);
    expect(closed).toEqual([]);
  });

  it('without a relay too: the link opens on the racing connection', async () => {
    const network = new LoopbackNetwork({ stuck: (id) => (id === 0 ? 'dtls' : null) });
    const { a, b } = pair(network, { withRelay: false });
    const opened = await Promise.all([waitFor(a, 'open'), waitFor(b, 'open')]);
    expect(opened.map((event) => event.transport)).toEqual(['p2p', 'p2p']);
    expect(ends(network, [0, 1])).toEqual(['a0:dead', 'b0:dead', 'a1:open', 'b1:open']);
  });

  it('is waited out on an implementation that does not say racesDtls', async () => {
    const network = new LoopbackNetwork({ stuck: (id) => (id === 0 ? 'dtls' : null) });
    const { a, b } = pair(network, { rtc: loopbackRtc });
    await Promise.all([waitFor(a, 'open'), waitFor(b, 'open')]);
    await sleep(1000);
    expect(ends(network, [0, 1])).toEqual(['a0:making', 'b0:making', 'a1:none', 'b1:none']);
    expect(a.transport).toBe('relay');
  });

  it('a connection that opens in time is not raced', async () => {
    const network = new LoopbackNetwork({ openDelayMs: 20 });
    const { a, b } = pair(network);
    await until(() => a.transport === 'p2p' && b.transport === 'p2p', 'both links on the first connection');
    await sleep(500);
    expect(ends(network, [0, 1])).toEqual(['a0:open', 'b0:open', 'a1:none', 'b1:none']);
  });

  /** Connections 0 and 1 both stuck in DTLS (the race under way on both sides), opened by hand in the order given. */
  async function raceOpenedInOrder(order: Array<[number, 'a' | 'b']>) {
    const network = new LoopbackNetwork({ stuck: () => 'dtls' });
    const links = pair(network, { withRelay: false });
    await until(() => network.end(1, 'b') !== undefined, 'the racer offered and followed');
    for (const [id, side] of order) {
      network.end(id, side)!.opened();
      await sleep(20);
    }
    await until(() => links.a.status === 'open' && links.b.status === 'open', 'both links open');
    await sleep(100);
    const received: number[] = [];
    links.b.events.on('n', ({ n }) => received.push(n));
    for (let n = 0; n < 100; n++) links.a.events.emit('n', { n });
    await until(() => received.length === 100, 'events over the connection kept');
    expect(links.closed).toEqual([]);
    return ends(network, [0, 1]);
  }

  it('the answering side keeps what the initiator kept, though its other connection opened first', async () => {
    // B's end of 0 opens first (B holds it: the initiator decides), then the racer opens at A: A keeps 1.
    expect(await raceOpenedInOrder([[0, 'b'], [1, 'a'], [1, 'b']])).toEqual(['a0:dead', 'b0:dead', 'a1:open', 'b1:open']);
  });

  it('a late connection that opens before its racer stays, and the racer goes on both sides', async () => {
    expect(await raceOpenedInOrder([[0, 'a'], [0, 'b'], [1, 'b']])).toEqual(['a0:open', 'b0:open', 'a1:dead', 'b1:dead']);
  });
});

describe('with TURN in the room, a connection that finds no pair once its candidates are out', () => {
  it('is raced by one through TURN only, which the link takes', async () => {
    // No relay: the 4 s backstop of a link open on the relay does not apply, only the gathering evidence.
    const network = new LoopbackNetwork({ stuck: (_id, policy) => (policy === 'all' ? 'ice' : null) });
    const { a, b } = pair(network, { withRelay: false, iceServers: TURN, rtc: loopbackRtc });
    const opened = await Promise.all([waitFor(a, 'open'), waitFor(b, 'open')]);
    expect(opened.map((event) => event.transport)).toEqual(['p2p', 'p2p']);
    expect(ends(network, [0, 1])).toEqual(['a0:dead', 'b0:dead', 'a1:open', 'b1:open']);
    expect([network.end(1, 'a')!.policy, network.end(1, 'b')!.policy]).toEqual(['relay', 'relay']);
  });

  it('is not raced through TURN once its ICE has connected', async () => {
    const network = new LoopbackNetwork({ stuck: (id) => (id === 0 ? 'dtls' : null) });
    const { a } = pair(network, { withRelay: false, iceServers: TURN, rtc: loopbackRtc, connectTimeoutMs: 10_000 });
    await sleep(1500);
    expect(a.status).toBe('connecting');
    expect(ends(network, [0, 1])).toEqual(['a0:making', 'b0:making', 'a1:none', 'b1:none']);
  });
});
