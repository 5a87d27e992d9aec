/**
 * Relay first, on the real server (its own process, random port) and real data channels
 * (node-datachannel), with default settings: links open on the lobby relay and move to their
 * direct connection once it is confirmed, losing and doubling nothing; `session.emit` to a member
 * whose link is not open yet reaches it; and turning relay-first off (the link option, the
 * server flag) gives the old order: a direct connection first.
 */
import type { Link, LinkTypes, TransportChangedEvent } from '@rallypoint/core';
import { createLobby, type RoomSession } from '@rallypoint/lobby/node';
import { afterEach, describe, expect, test } from 'vitest';
import { startServer, type ServerProcess } from '../helpers/lobby-server.js';
import { serverForFile } from '../helpers/server-per-file.js';
import { until, waitFor } from '../helpers/wait.js';

type Game = { events: { n: { n: number }; start: { round: number } }; state: { t: number } };

const server = serverForFile(['--creates-per-address', '0', '--matchmake-per-address', '0', '--connections-per-address', '0']);
const sessions: RoomSession<Game>[] = [];
const timers: Array<ReturnType<typeof setInterval>> = [];
afterEach(async () => {
  for (const timer of timers.splice(0)) clearInterval(timer);
  await Promise.all(sessions.splice(0).map((s) => s.leave()));
});

async function pair(url: string, link: { relayFirst?: boolean } = {}) {
  const a = await createLobby<Game>({ url, link }).create({ name: 'A' });
  sessions.push(a);
  const b = await createLobby<Game>({ url, link }).join(a.code, { name: 'B' });
  sessions.push(b);
  await until(() => a.links.has(b.me.id) && b.links.has(a.me.id), 'both sides made their link');
  return { a, b, linkA: a.links.get(b.me.id)!, linkB: b.links.get(a.me.id)! };
}

async function relayMoveMetrics(lobby: ServerProcess): Promise<{ moves: number; bytes: number }> {
  return { moves: await lobby.metric('rallypoint_relay_moves_to_direct_total'), bytes: await lobby.metric('rallypoint_relay_bytes_before_direct_total') };
}

function changesOf<T extends LinkTypes>(link: Link<T>): TransportChangedEvent[] {
  const changes: TransportChangedEvent[] = [];
  link.on('transportChanged', (event) => changes.push(event));
  return changes;
}

describe('relay first (the default)', () => {
  test('opens on the relay and moves to the direct connection while 10,000 events and 60 Hz state flow: every event once, in order, one transportChanged, no close; /metrics counts what was relayed before the move', async () => {
    const metricsBefore = await relayMoveMetrics(server());
    const { linkA, linkB } = await pair(server().url);
    const changes = { a: changesOf(linkA), b: changesOf(linkB) };
    const closed: string[] = [];
    linkA.on('close', ({ reason }) => closed.push(`A ${reason}`));
    linkB.on('close', ({ reason }) => closed.push(`B ${reason}`));
    const received: number[] = [];
    linkB.events.on('n', ({ n }) => received.push(n));
    let states = 0;
    linkB.state.onMessage(() => states++);
    // Events B had when its link moved: the move must fall inside the flow, not after it.
    let receivedAtMove: number | undefined;
    linkB.on('transportChanged', () => (receivedAtMove ??= received.length));
    // From before the link opens: the first events wait in its queue, then go on the relay. Five
    // every 4 ms spreads the 10,000 over some 8 s, well past the move (a few hundred ms).
    let sent = 0;
    timers.push(
      setInterval(() => {
        for (let i = 0; i < 5 && sent < 10_000; i++) linkA.events.emit('n', { n: sent++ });
      }, 4),
      setInterval(() => linkA.status === 'open' && linkA.state.send({ t: performance.now() }), 16),
    );
    const opened = await Promise.all([waitFor(linkA, 'open'), waitFor(linkB, 'open')]);
    expect(opened.map((event) => event.transport)).toEqual(['relay', 'relay']);
    await until(() => received.length === 10_000, 'all 10,000 events arrived', 60_000);
    await until(() => linkA.transport === 'p2p' && linkB.transport === 'p2p', 'both links on the direct connection', 30_000);
    expect(received).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    expect(changes.a.map((event) => `${event.previous}>${event.transport}`)).toEqual(['relay>p2p']);
    expect(changes.b.map((event) => `${event.previous}>${event.transport}`)).toEqual(['relay>p2p']);
    expect(receivedAtMove).toBeGreaterThan(0);
    expect(receivedAtMove).toBeLessThan(10_000);
    expect(states).toBeGreaterThan(0);
    expect(closed).toEqual([]);
    expect(linkA.stats().relaySentBytes).toBeGreaterThan(0);
    // Each side tells the server of its move; the server counts the lane bytes it relayed for
    // the link before it (its own count: at most what the two sides say they sent, handshakes included).
    await expect.poll(async () => (await relayMoveMetrics(server())).moves - metricsBefore.moves, { timeout: 5000 }).toBe(2);
    const relayedBeforeMove = (await relayMoveMetrics(server())).bytes - metricsBefore.bytes;
    expect(relayedBeforeMove).toBeGreaterThan(0);
    expect(relayedBeforeMove).toBeLessThanOrEqual(linkA.stats().relaySentBytes + linkB.stats().relaySentBytes);
  });

  test('session.emit right after memberJoined reaches the member, before and after its link opens', async () => {
    const url = server().url;
    const a = await createLobby<Game>({ url }).create({ name: 'A' });
    sessions.push(a);
    const sentTo: number[] = [];
    a.on('memberJoined', (member) => {
      // The link to the newcomer is only being made: this used to go nowhere and return 0.
      sentTo.push(a.emit('start', { round: 1 }, member.id));
      sentTo.push(a.emit('start', { round: 2 }));
    });
    const b = await createLobby<Game>({ url }).join(a.code, { name: 'B' });
    sessions.push(b);
    const rounds: number[] = [];
    const heard = (link: Link<Game>) => link.events.on('start', ({ round }) => rounds.push(round));
    const link = b.links.get(a.me.id);
    if (link !== undefined) heard(link);
    else b.on('linkOpen', ({ link: opened }) => heard(opened));
    await until(() => rounds.length === 2, 'both start events arrived');
    expect(rounds).toEqual([1, 2]);
    expect(sentTo).toEqual([1, 1]);
    expect(a.emit('start', { round: 3 })).toBe(1);
    await until(() => rounds.length === 3, 'the third');
  });
});

describe('relay first turned off', () => {
  test('with link.relayFirst false the links wait for, and open on, the direct connection', async () => {
    const { linkA, linkB } = await pair(server().url, { relayFirst: false });
    const opened = await Promise.all([waitFor(linkA, 'open', 20_000), waitFor(linkB, 'open', 20_000)]);
    expect(opened.map((event) => event.transport)).toEqual(['p2p', 'p2p']);
    expect(linkA.stats().pathChanges).toBe(0);
  });

  let flagged: ServerProcess | undefined;
  afterEach(async () => {
    if (flagged !== undefined) expect(await flagged.stop()).toBe(0);
    flagged = undefined;
  });

  test('a server started with --relay-first false gives the same order, whatever the game asked', async () => {
    flagged = await startServer(['--relay-first', 'false']);
    const { linkA, linkB } = await pair(flagged.url, { relayFirst: true });
    const opened = await Promise.all([waitFor(linkA, 'open', 20_000), waitFor(linkB, 'open', 20_000)]);
    expect(opened.map((event) => event.transport)).toEqual(['p2p', 'p2p']);
  });
});
