/**
 * A link across real packet loss: 10% of the UDP that one home's router forwards is dropped,
 * each direction (nftables `numgen random` in the lab). The events lane still delivers every
 * event exactly once and in order; the state lane's reported loss matches what really arrived.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type ServerProcess } from '../helpers/lobby-server.js';
import { startAgent, stopAgents, type Agent } from '../helpers/netlab/agents.js';
import { startCoturn, type Coturn } from '../helpers/netlab/coturn.js';
import { createLab, labNamespaces, type Lab } from '../helpers/netlab/lab.js';
import type { LinkStats } from '@rallypoint/core';

const LOSS_PERCENT = 10;
let lab: Lab;
let coturn: Coturn;
let lobby: ServerProcess;
let host: Agent;
let guest: Agent;

beforeAll(async () => {
  lab = createLab([
    { nat: 'cone', hosts: ['a'] },
    { nat: 'cone', hosts: ['b'] },
  ]);
  coturn = await startCoturn(lab, 'unused');
  lobby = await startServer(['--ice-servers', JSON.stringify([{ urls: coturn.urls.stun }])], {}, 'info', { netns: lab.ns('pub'), host: lab.publicAddress });
  [host, guest] = await Promise.all([startAgent(lab, 'a'), startAgent(lab, 'b')]);
  const { code } = await host.call<{ code: string }>('join', { url: lobby.url });
  await guest.call('join', { url: lobby.url, code });
  await Promise.all([host.call('waitOpen'), guest.call('waitOpen')]);
  lab.setHome(1, { udpLossPercent: LOSS_PERCENT });
});

afterAll(async () => {
  await stopAgents();
  await lobby?.stop();
  await coturn?.stop();
  lab?.close();
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
