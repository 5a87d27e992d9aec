/**
 * Relay first, then a direct path that has earned it (upgrade.ts), on in-memory paths: a link
 * with a relay opens there at once, moves to its connection once probes over it are answered
 * and it is faster, and not before; a connection slower than the relay is not taken; one that
 * keeps breaking does not make the link flap. The same move runs over the real lobby relay and
 * node-datachannel in lobby-relay.test.ts, and between browsers in the network lab.
 */
import type { Link, LinkInit, TransportChangedEvent } from '@rallypoint/core';
import { createLink } from '@rallypoint/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createLinkWith } from '../../packages/core/src/link/link.js';
import { DirectUpgrade, directThresholdMs } from '../../packages/core/src/link/upgrade.js';
import { LoopbackNetwork, loopbackRtc, memoryRelay } from '../helpers/loopback.js';
import { until, waitFor } from '../helpers/wait.js';

type Game = { events: { n: { n: number } }; state: { t: number } };

const links: Link<Game>[] = [];
const timers: Array<ReturnType<typeof setInterval>> = [];
afterEach(() => {
  for (const timer of timers.splice(0)) clearInterval(timer);
  for (const link of links.splice(0)) link.close();
});

/** Two links on a loopback network and an in-memory relay, each side's transport changes kept. */
function pair(network: LoopbackNetwork, init: Partial<LinkInit> = {}) {
  const relays = memoryRelay();
  const make = (side: 'a' | 'b') =>
    createLinkWith<Game>({ rtc: loopbackRtc, relay: relays[side], ...init, initiator: side === 'a' }, { createPath: network.factory(side) });
  const a = make('a');
  const b = make('b');
  links.push(a, b);
  a.on('signal', (data) => b.signal(data));
  b.on('signal', (data) => a.signal(data));
  const changes = { a: [] as TransportChangedEvent[], b: [] as TransportChangedEvent[] };
  a.on('transportChanged', (event) => changes.a.push(event));
  b.on('transportChanged', (event) => changes.b.push(event));
  const closed: string[] = [];
  a.on('close', ({ reason }) => closed.push(`A ${reason}`));
  b.on('close', ({ reason }) => closed.push(`B ${reason}`));
  return { a, b, changes, closed };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('relay first', () => {
  it('opens on the relay, moves to the confirmed connection while 10,000 events and 60 Hz state flow: every event once, in order, one transportChanged, no close', async () => {
    // The connection takes 200 ms to open: the events start on the relay and finish on the connection.
    const network = new LoopbackNetwork({ openDelayMs: 200 });
    const { a, b, changes, closed } = pair(network);
    const opened = await Promise.all([waitFor(a, 'open'), waitFor(b, 'open')]);
    expect(opened.map((event) => event.transport)).toEqual(['relay', 'relay']);
    const received: number[] = [];
    b.events.on('n', ({ n }) => received.push(n));
    let states = 0;
    b.state.onMessage(() => states++);
    let sent = 0;
    timers.push(
      setInterval(() => {
        for (let i = 0; i < 50 && sent < 10_000; i++) a.events.emit('n', { n: sent++ });
      }, 5),
      setInterval(() => a.state.send({ t: performance.now() }), 16),
    );
    await until(() => received.length === 10_000, 'all 10,000 events arrived', 30_000);
    await until(() => a.transport === 'p2p' && b.transport === 'p2p', 'both links on the connection');
    expect(received).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    expect(changes.a.map((event) => `${event.previous}>${event.transport} ${event.reason}`)).toEqual(['relay>p2p direct-path']);
    expect(changes.b.map((event) => `${event.previous}>${event.transport}`)).toEqual(['relay>p2p']);
    expect(states).toBeGreaterThan(0);
    expect(closed).toEqual([]);
    // The relay carried the start, then nothing more of the lanes: its bytes stop growing.
    const relayed = a.stats().relaySentBytes;
    expect(relayed).toBeGreaterThan(0);
    const more = 100;
    for (let i = 0; i < more; i++) a.events.emit('n', { n: sent++ });
    await until(() => received.length === 10_000 + more, 'the events after the move');
    expect(a.stats().relaySentBytes).toBe(relayed);
  });

  it('does not take a connection slower than the relay, and takes it once it is faster', async () => {
    // 60 ms each way on the connection; the relay is instant.
    const network = new LoopbackNetwork({ openDelayMs: 20, latencyMs: 60 });
    const { a, b, changes } = pair(network);
    await Promise.all([waitFor(a, 'open'), waitFor(b, 'open')]);
    await until(() => network.current('a')?.isOpen === true && network.current('b')?.isOpen === true, 'the connection open');
    // Long enough for several rounds of probes, each answered over the slow connection.
    await sleep(1500);
    expect([a.transport, b.transport]).toEqual(['relay', 'relay']);
    expect(changes.a).toEqual([]);
    const received: number[] = [];
    b.events.on('n', ({ n }) => received.push(n));
    for (let n = 0; n < 100; n++) a.events.emit('n', { n });
    network.latencyMs = 0;
    await until(() => a.transport === 'p2p' && b.transport === 'p2p', 'both links on the connection once it is faster');
    await until(() => received.length === 100, 'every event');
    expect(received).toEqual(Array.from({ length: 100 }, (_, n) => n));
  });

  it('a connection that keeps breaking does not make the link flap: each fall makes the next move wait longer', async () => {
    const network = new LoopbackNetwork({ openDelayMs: 20 });
    const { a, b, changes, closed } = pair(network);
    await Promise.all([waitFor(a, 'open'), waitFor(b, 'open')]);
    // Each time the lanes reach a connection, it breaks 50 ms later.
    a.on('transportChanged', ({ transport }) => {
      if (transport !== 'p2p') return;
      const connection = network.current('a');
      setTimeout(() => connection !== undefined && network.cut(connection.id), 50);
    });
    const received: number[] = [];
    b.events.on('n', ({ n }) => received.push(n));
    let sent = 0;
    timers.push(setInterval(() => a.events.emit('n', { n: sent++ }), 10));
    await sleep(5000);
    clearInterval(timers.pop());
    // Moves to the connection after 0, 1, 2 s of holding (then 4 s): at most three in 5 s,
    // where moving on `open` alone would make one every few hundred milliseconds.
    const moves = changes.a.filter((event) => event.transport === 'p2p').length;
    expect(moves).toBeGreaterThanOrEqual(1);
    expect(moves).toBeLessThanOrEqual(3);
    await until(() => received.length === sent, 'every event');
    expect(received).toEqual(Array.from({ length: sent }, (_, n) => n));
    expect(closed).toEqual([]);
    expect(a.status).toBe('open');
  });

  it('leaves a relay that answers no more for a confirmed connection, however the two score', async () => {
    // The connection is slow (it would not be taken over a working relay), and the relay goes
    // silent: the lobby connection dropped, say.
    const network = new LoopbackNetwork({ openDelayMs: 20, latencyMs: 60 });
    let relayUp = true;
    const relays = memoryRelay(() => !relayUp);
    const make = (side: 'a' | 'b') => createLinkWith<Game>({ rtc: loopbackRtc, relay: relays[side], initiator: side === 'a' }, { createPath: network.factory(side) });
    const a = make('a');
    const b = make('b');
    links.push(a, b);
    a.on('signal', (data) => b.signal(data));
    b.on('signal', (data) => a.signal(data));
    await Promise.all([waitFor(a, 'open'), waitFor(b, 'open')]);
    await sleep(1000);
    expect(a.transport).toBe('relay');
    const received: number[] = [];
    b.events.on('n', ({ n }) => received.push(n));
    relayUp = false; // A → B through the relay is lost from here
    for (let n = 0; n < 50; n++) a.events.emit('n', { n });
    await until(() => a.transport === 'p2p', 'A on the connection');
    await until(() => received.length === 50, 'every event, sent again on the connection');
    expect(received).toEqual(Array.from({ length: 50 }, (_, n) => n));
  });

  it('with relayFirst: false waits for the connection, and opens on it', async () => {
    const network = new LoopbackNetwork({ openDelayMs: 50 });
    const { a, b, changes } = pair(network, { relayFirst: false });
    const opened = await Promise.all([waitFor(a, 'open'), waitFor(b, 'open')]);
    expect(opened.map((event) => event.transport)).toEqual(['p2p', 'p2p']);
    expect(a.stats().relaySentBytes).toBeLessThan(100); // the relay's own handshake only
    expect(changes.a).toEqual([]);
  });

  it('with relayFirst: false opens on the relay after relayAfterMs when no connection opens', async () => {
    const network = new LoopbackNetwork({ holdOffers: true });
    const started = performance.now();
    const { a, b } = pair(network, { relayFirst: false, relayAfterMs: 300 });
    const opened = await Promise.all([waitFor(a, 'open'), waitFor(b, 'open')]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(opened.map((event) => event.transport)).toEqual(['relay', 'relay']);
  });

  it('names a relayAfterMs that relayFirst makes meaningless', () => {
    expect(() => createLink({ initiator: true, rtc: loopbackRtc, relay: memoryRelay().a, relayAfterMs: 300 })).toThrow(/relayAfterMs.*relayFirst: false/);
  });
});

describe('the upgrade rule', () => {
  it('takes a direct path that beats the relay (scored 20 ms worse) by 10% + 5 ms', () => {
    // Relay 2 ms: scores 22; a direct path up to 22 - 2.2 - 5 = 14.8 ms is taken.
    expect(directThresholdMs(2)).toBeCloseTo(14.8);
    // Relay 80 ms: scores 100; up to 85 ms.
    expect(directThresholdMs(80)).toBeCloseTo(85);
  });

  it('holds 1 s after a fall, doubling to 30 s, and forgets falls after a minute', () => {
    let now = 0;
    const upgrade = new DirectUpgrade({
      relay: null as never,
      probes: null as never,
      now: () => now,
      logger: { debug: () => undefined, warn: () => undefined },
      current: () => null,
      peer: () => null,
      started: () => false,
      moveTo: () => undefined,
    });
    expect(upgrade.holdMs).toBe(0);
    const holds: number[] = [];
    for (let i = 0; i < 7; i++) {
      upgrade.fell();
      holds.push(upgrade.holdMs);
      now += 1000;
    }
    expect(holds).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    now += 60_000;
    expect(upgrade.holdMs).toBe(0);
  });
});
