/**
 * A link across real packet loss: 10% of the UDP that one home's router forwards is dropped,
 * each direction (nftables `numgen random` in the lab). The events lane still delivers every
 * event exactly once and in order; the state lane's reported loss matches what really arrived.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LinkStats } from '@rallypoint/core';
import { startAgent, stopAgents, type Agent } from '../helpers/netlab/agents.js';
import { labNamespaces } from '../helpers/netlab/lab.js';
import { startCell, type Cell } from '../helpers/netlab/matrix.js';

const LOSS_PERCENT = 10;
let cell: Cell;
let host: Agent;
let guest: Agent;

beforeAll(async () => {
  cell = await startCell('both cone', 'STUN');
  [host, guest] = await Promise.all([startAgent(cell.lab, 'a'), startAgent(cell.lab, 'b')]);
  const { code } = await host.call<{ code: string }>('join', { url: cell.lobby.url });
  await guest.call('join', { url: cell.lobby.url, code });
  await Promise.all([host.call('waitOpen'), guest.call('waitOpen')]);
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
}, 60_000);
