import { describe, expect, test } from 'vitest';
import { createSeededRandom } from '@rallypoint/core';
import { InputQueue, Predictor, SyncClient, SyncHost, defineSchema, type StateChannel, type SyncHostInit } from '@rallypoint/sync';
import { SimClock, simLane } from '../helpers/sim-net.js';

type Input = { dx: number; dy: number };
type Pos = { x: number; y: number };
const SPEED = 0.3; // units per ms
const move = (p: Pos, i: Input, dt: number): Pos => ({ x: p.x + i.dx * SPEED * dt, y: p.y + i.dy * SPEED * dt });
const schema = defineSchema({ x: { type: 'fixed', precision: 0.01 }, y: { type: 'fixed', precision: 0.01 } });
const DT = 1000 / 60;

type HostInit = SyncHostInit<typeof schema.fields, Input, Map<number, Pos>>;

/** A host whose one entity (id 1) is moved by peer `p1`'s inputs, on the simulated clock. */
function moverHost(clock: SimClock, channel: StateChannel, extra: Partial<HostInit> = {}) {
  const host = new SyncHost<typeof schema.fields, Input, Map<number, Pos>>({
    schema,
    world: new Map([[1, { x: 0, y: 0 }]]),
    now: () => clock.now,
    step: (world, inputs, dt) => {
      for (const input of inputs.get('p1') ?? []) world.set(1, move(world.get(1)!, input, dt));
      return world;
    },
    entities: (world) => world,
    ...extra,
  });
  host.addPeer('p1', channel);
  return host;
}

describe('prediction and reconciliation', () => {
  test('at 150 ms RTT and 10% loss, the prediction matches the host after every reconciliation', () => {
    const clock = new SimClock();
    const { a: hostSide, b: clientSide } = simLane(clock, 7, { latencyMs: 75, jitterMs: 15, loss: 0.1 });
    const host = moverHost(clock, hostSide.channel);
    const client = new SyncClient<typeof schema.fields, Input, Pos>({
      schema,
      channel: clientSide.channel,
      now: () => clock.now,
      prediction: { entityId: 1, initial: { x: 0, y: 0 }, step: move, dtMs: DT, smooth: ['x', 'y'], fromEntity: (e) => e },
    });
    const random = createSeededRandom(3);
    let local: Pos = { x: 0, y: 0 };
    let input: Input = { dx: 1, dy: 0 };
    let worstDrift = 0;
    let tick = 0;
    clock.loop(DT / 3, 20_000, () => {
      host.update();
      if (tick++ % 3 !== 0) return;
      if (clock.now > 18_000) input = { dx: 0, dy: 0 };
      else if (random() < 0.05) input = { dx: Math.round(random() * 2 - 1), dy: Math.round(random() * 2 - 1) };
      client.input(input);
      local = move(local, input, DT);
      const predicted = client.predictor!.state;
      worstDrift = Math.max(worstDrift, Math.hypot(predicted.x - local.x, predicted.y - local.y));
    });
    expect(client.stats.snapshots).toBeGreaterThan(400);
    expect(host.stats.badMessages + client.stats.badMessages).toBe(0);
    // Rewind + replay from a quantized host state: off by at most the quantization step.
    expect(worstDrift).toBeLessThan(0.01);
    const authoritative = host.world.get(1)!;
    const predicted = client.predictor!.state;
    expect(Math.hypot(predicted.x - authoritative.x, predicted.y - authoritative.y)).toBeLessThan(0.01);
    // Only the inputs still in flight (about one RTT's worth at 60 Hz) wait for an ack.
    expect(client.predictor!.pendingCount).toBeLessThan(30);
  });

  test('a correction is shown as a decaying offset, not a snap', () => {
    const p = new Predictor<Pos, Input>({ step: move, initial: { x: 0, y: 0 }, dtMs: 10, smooth: ['x'], smoothingHalfLifeMs: 100 });
    p.apply({ dx: 1, dy: 0 }); // predicted x = 3
    p.reconcile({ x: 1, y: 0 }, 1); // the host says 1
    expect(p.state.x).toBe(1);
    expect(p.visual(0).x).toBeCloseTo(3);
    expect(p.visual(100).x).toBeCloseTo(2);
    expect(p.visual(1000).x).toBeCloseTo(1, 2);
    expect(p.correctionTotal).toBeCloseTo(2);
  });

  test('the host applies redundant inputs once each, in order', () => {
    const q = new InputQueue<string>();
    q.receive([{ seq: 1, input: 'a' }, { seq: 2, input: 'b' }]);
    q.receive([{ seq: 2, input: 'b' }, { seq: 3, input: 'c' }]);
    expect([q.next()?.input, q.next()?.input, q.next()?.input, q.next()]).toEqual(['a', 'b', 'c', undefined]);
    q.receive([{ seq: 5, input: 'e' }]);
    expect(q.next()).toBeUndefined();
    expect(q.next(true)).toEqual({ seq: 5, input: 'e' });
    expect(q.lastApplied).toBe(5);
  });
});

describe('bad input between host and client', () => {
  test('malformed messages and refused inputs are counted; nothing throws; good traffic goes on', () => {
    const clock = new SimClock();
    const { a: hostSide, b: clientSide } = simLane(clock, 1, { latencyMs: 1 });
    const errors: string[] = [];
    const host = moverHost(clock, hostSide.channel, {
      validateInput: (input): input is Input => typeof input === 'object' && input !== null && [-1, 0, 1].includes((input as Input).dx) && [-1, 0, 1].includes((input as Input).dy),
      onError: (_peer, error) => errors.push(error.name),
    });
    const client = new SyncClient<typeof schema.fields, Input, Pos>({ schema, channel: clientSide.channel, now: () => clock.now, onError: (error) => errors.push(error.name) });
    for (const garbage of ['hello', [1, 2, 3], [0, -1, 0, []], [0, 0, 1, new Array(65).fill({ dx: 0, dy: 0 })], null]) clientSide.channel.send(garbage);
    clientSide.channel.send([0, 0, 1, [{ dx: 1e9, dy: 0 }, { dx: 1, dy: 0 }]]); // a speed hack, then a fair input
    for (const garbage of ['x', [1, 2, 3, 4, 'not bytes'], [1, 0, 0, 0, new Uint8Array([0xff, 0xff, 0xff])]]) hostSide.channel.send(garbage);
    clock.loop(5, 500, () => host.update());
    expect(host.stats.badMessages).toBe(5);
    expect(host.stats.badInputs).toBe(1);
    expect(client.stats.badMessages).toBe(3);
    expect(errors).toContain('MalformedSyncMessageError');
    expect(errors).toContain('MalformedSnapshotError');
    expect(host.world.get(1)!.x).toBeCloseTo(SPEED * DT); // only the fair input moved it
    expect(client.stats.snapshots).toBeGreaterThan(5);
  });
});
