/**
 * The events lane's sequence numbers, acknowledgements and resends, through the public API: two
 * links with `direct: false` over an in-memory relay that can lose frames (the real relay, and
 * real data channels, run the link contract in the integration tests). What a path loses is sent
 * again; nothing arrives twice or out of order.
 */
import { createLink, createSeededRandom, type Link } from '@rallypoint/core';
import { pack } from 'msgpackr';
import { afterEach, expect, test } from 'vitest';
import { memoryRelay } from '../helpers/loopback.js';
import { until, waitFor } from '../helpers/wait.js';

type Game = { events: { n: number } };

const links: Link<Game>[] = [];
afterEach(() => {
  for (const link of links.splice(0)) link.close();
});

async function pair(relay: ReturnType<typeof memoryRelay>) {
  const init = { direct: false, heartbeatIntervalMs: 50, heartbeatTimeoutMs: 5000 } as const;
  const a = createLink<Game>({ ...init, initiator: true, relay: relay.a });
  const b = createLink<Game>({ ...init, initiator: false, relay: relay.b });
  links.push(a, b);
  await Promise.all([waitFor(a, 'open'), waitFor(b, 'open')]);
  return { a, b };
}

test('a relay that loses a tenth of the events frames: every event arrives once, in order', async () => {
  const random = createSeededRandom(11);
  let opened = false;
  const relay = memoryRelay((lane) => opened && lane === 'events' && random() < 0.1);
  const { a, b } = await pair(relay);
  opened = true;
  const got: number[] = [];
  b.events.on('n', (n) => got.push(n));
  for (let n = 0; n < 2000; n++) a.events.emit('n', n);
  await until(() => got.length >= 2000, '2,000 events arrived', 20_000);
  await new Promise((r) => setTimeout(r, 200));
  expect(got).toEqual(Array.from({ length: 2000 }, (_, n) => n));
  expect(a.stats().events.retransmitted).toBeGreaterThan(0);
  expect(a.transport).toBe('relay');
});

test('the last frames of a burst lost, with nothing after them: sent again once the acknowledgements stop', async () => {
  let dropping = false;
  const relay = memoryRelay((lane) => dropping && lane === 'events');
  const { a, b } = await pair(relay);
  const got: number[] = [];
  b.events.on('n', (n) => got.push(n));
  for (let n = 0; n < 10; n++) a.events.emit('n', n);
  await until(() => got.length === 10, 'the first ten arrived');
  dropping = true;
  for (let n = 10; n < 15; n++) a.events.emit('n', n);
  await new Promise((r) => setTimeout(r, 20));
  dropping = false; // the path is back, but nothing new is sent: only a resend can bring 10..14
  await until(() => got.length === 15, 'the lost tail arrived');
  expect(got).toEqual(Array.from({ length: 15 }, (_, n) => n));
  expect(a.stats().events.unacknowledgedBytes).toBeLessThan(1024);
});

test('an acknowledgement of frames never sent is bad input, and releases nothing', async () => {
  const relay = memoryRelay();
  const { a, b } = await pair(relay);
  const errors: Error[] = [];
  a.on('error', (error) => errors.push(error));
  relay.inject('events', pack([7, 1_000_000]));
  await until(() => errors.length === 1, 'the bad ack was reported');
  expect(errors[0]?.name).toBe('InvalidMessageError');
  const got: number[] = [];
  b.events.on('n', (n) => got.push(n));
  a.events.emit('n', 1);
  await until(() => got.length === 1, 'events still flow');
});
