/**
 * A link across real packet loss: 10% of the UDP that one home's router forwards is dropped,
 * each direction (nftables `numgen random` in the lab). The events lane still delivers every
 * event exactly once and in order; the state lane's reported loss matches what really arrived.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LinkStats } from '@rallypoint/core';
import { stopAgents, type Agent } from '../helpers/netlab/agents.js';
import { labNamespaces } from '../helpers/netlab/lab.js';
import { joinedPair, startCell, type Cell } from '../helpers/netlab/matrix.js';

const LOSS_PERCENT = 10;
let cell: Cell;
let host: Agent;
let guest: Agent;

beforeAll(async () => {
  cell = await startCell('both cone', 'STUN');
  ({ host, guest } = await joinedPair(cell));
  // Links open on the lobby relay (TCP, no loss) and move to the direct path once it is
  // confirmed; the loss under test is on the direct path, so wait for the move first.
  await Promise.all([host, guest].map((agent) => agent.call('waitTransport', { transport: 'p2p', timeoutMs: 20_000 })));
  cell.lab.setHome(1, { udpLossPercent: LOSS_PERCENT });
});

afterAll(async () => {
  await stopAgents();
  await cell?.close();
  expect(labNamespaces().filter((name) => name.includes(`-${process.pid}-`))).toEqual([]);
});

it(`delivers 10,000 events exactly once and in order across ${LOSS_PERCENT}% UDP loss`, async () => {
  await host.call('sendEvents', { count: 10_000 });
  await expect.poll(() => guest.call('received'), { timeout: 60_000, interval: 200 }).toMatchObject({ count: 10_000, inOrder: true });
  const stats = await guest.call<LinkStats>('stats');
  expect(stats.status).toBe('open');
}, 90_000);

it('reports state loss within 3 points of what really arrived', async () => {
  // Measured on the direct path: a link that fell to the relay would see no loss at all.
  await guest.call('waitTransport', { transport: 'p2p', timeoutMs: 20_000 });
  const before = await guest.call<{ state: number }>('received');
  const statsBefore = await guest.call<LinkStats>('stats');
  const { sent } = await host.call<{ sent: number }>('sendState', { hz: 500, ms: 6000 });
  // Let the last messages land (or not).
  await new Promise((r) => setTimeout(r, 500));
  const after = await guest.call<{ state: number }>('received');
  const stats = await guest.call<LinkStats>('stats');
  const arrived = after.state - before.state;
  const trueLoss = 1 - arrived / sent;
  const lost = stats.state.lost - statsBefore.state.lost;
  const reported = lost / (lost + arrived);
  // The loss is really there (the lab works) and the link sees the same.
  expect(trueLoss).toBeGreaterThan(0.03);
  expect(Math.abs(reported - trueLoss)).toBeLessThanOrEqual(0.03);
  expect(stats.status).toBe('open');
  expect(stats.transport).toBe('p2p');
}, 60_000);

it('stays up through 60 s of 30% UDP loss: every event once, in order, and no close (it may move to the relay)', async () => {
  cell.lab.setHome(1, { udpLossPercent: 30 });
  try {
    const before = await guest.call<{ count: number }>('received');
    const streaming = host.call<{ numbers: number }>('stream', { ms: 60_000, everyMs: 10 }, 90_000);
    const state = [host.call('sendState', { hz: 60, ms: 60_000 }, 90_000), guest.call('sendState', { hz: 60, ms: 60_000 }, 90_000)];
    const { numbers } = await streaming;
    await Promise.all(state);
    await expect.poll(() => guest.call('received', { from: before.count }), { timeout: 30_000, interval: 250 }).toMatchObject({ count: before.count + numbers, inOrder: true, duplicates: 0 });
    const transports = await guest.call<{ closes: string[]; changes: Array<{ transport: string }> }>('transports');
    expect(transports.closes).toEqual([]);
    expect((await guest.call<LinkStats>('stats')).status).toBe('open');
  } finally {
    cell.lab.setHome(1, { udpLossPercent: LOSS_PERCENT });
  }
}, 150_000);
