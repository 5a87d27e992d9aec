import { describe, expect, test, vi } from 'vitest';
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
/** An input the client may mark as a boost (three times the speed), which the host refuses. */
type BoostInput = Input & { boost?: boolean };
const boostMove = (p: Pos, i: BoostInput, dt: number): Pos => move(p, i.boost === true ? { dx: i.dx * 3, dy: i.dy * 3 } : i, dt);

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
  test('at 150 ms RTT and 10% loss, the prediction settles on the host\'s authoritative state whenever the player stops', () => {
    // The host refuses boosted inputs (a speed hack it does not allow) and stops the avatar at a
    // wall; the client predicts both wrong. Only reconciliation brings the prediction back to what
    // the host says: without it, the two part by the boosts and the wall for good.
    const clock = new SimClock();
    const { a: hostSide, b: clientSide } = simLane(clock, 7, { latencyMs: 75, jitterMs: 15, loss: 0.1 });
    const WALL = 400;
    const host = new SyncHost<typeof schema.fields, BoostInput, Map<number, Pos>>({
      schema,
      world: new Map([[1, { x: 0, y: 0 }]]),
      now: () => clock.now,
      validateInput: (input): input is BoostInput => typeof input === 'object' && input !== null && (input as BoostInput).boost !== true,
      step: (world, inputs, dt) => {
        for (const input of inputs.get('p1') ?? []) {
          const next = boostMove(world.get(1)!, input, dt);
          world.set(1, { x: Math.min(next.x, WALL), y: next.y });
        }
        return world;
      },
      entities: (world) => world,
    });
    host.addPeer('p1', hostSide.channel);
    const client = new SyncClient<typeof schema.fields, BoostInput, Pos>({
      schema,
      channel: clientSide.channel,
      now: () => clock.now,
      prediction: { entityId: 1, initial: { x: 0, y: 0 }, step: boostMove, dtMs: DT, smooth: ['x', 'y'], fromEntity: (e) => e },
    });
    const random = createSeededRandom(3);
    let input: BoostInput = { dx: 1, dy: 0 };
    let tick = 0;
    let boosts = 0;
    const gaps: number[] = [];
    // 20 s of play: 1.5 s moving (sometimes boosting, sometimes against the wall), then 0.5 s still.
    clock.loop(DT / 3, 20_000, () => {
      host.update();
      if (tick++ % 3 !== 0) return;
      const phase = clock.now % 2000;
      if (phase >= 1500) {
        input = { dx: 0, dy: 0 };
        // At the end of each pause, an RTT and a snapshot later than the last move: compare.
        if (phase >= 2000 - DT) {
          const predicted = client.predictor!.state;
          const authoritative = host.world.get(1)!;
          gaps.push(Math.hypot(predicted.x - authoritative.x, predicted.y - authoritative.y));
        }
      } else if (random() < 0.1) {
        input = { dx: Math.round(random() * 2 - 1) || 1, dy: Math.round(random() * 2 - 1), boost: random() < 0.3 };
      }
      if (input.boost === true) boosts++;
      client.input(input);
    });
    expect(client.stats.snapshots).toBeGreaterThan(400);
    expect(host.stats.badMessages + client.stats.badMessages).toBe(0);
    expect(boosts).toBeGreaterThan(20);
    expect(host.stats.badInputs).toBeGreaterThan(0);
    expect(host.world.get(1)!.x).toBe(WALL); // the wall was reached, so it corrected something too
    expect(gaps.length).toBe(10);
    // Rewind and replay from the quantized host state: off by at most the quantization step.
    for (const gap of gaps) expect(gap).toBeLessThan(0.01);
    expect(client.predictor!.correctionTotal).toBeGreaterThan(10);
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
  test('a peer whose channel refuses a snapshot costs the other peers nothing', () => {
    const clock = new SimClock();
    const good = simLane(clock, 8, { latencyMs: 1 });
    const errors: string[] = [];
    const host = new SyncHost<typeof schema.fields, Input, Map<number, Pos>>({
      schema,
      world: new Map([[1, { x: 0, y: 0 }]]),
      now: () => clock.now,
      step: (world) => world,
      entities: (world) => world,
      onError: (peer, error) => errors.push(`${peer}: ${error.name}`),
    });
    const refusing: StateChannel = {
      send: () => {
        throw Object.assign(new Error('too large for this peer'), { name: 'MessageTooLargeError' });
      },
      onMessage: () => () => undefined,
    };
    host.addPeer('refusing', refusing);
    host.addPeer('good', good.a.channel);
    const client = new SyncClient<typeof schema.fields, Input, Pos>({ schema, channel: good.b.channel, now: () => clock.now });
    clock.loop(5, 500, () => host.update());
    expect(client.stats.snapshots).toBeGreaterThan(10);
    expect(errors.length).toBe(host.stats.snapshotsSent);
    expect(new Set(errors)).toEqual(new Set(['refusing: MessageTooLargeError']));
  });


  test('with no onError, bad messages are written to the console once per kind, and still counted', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const clock = new SimClock();
      const { a: hostSide, b: clientSide } = simLane(clock, 4, { latencyMs: 1 });
      const client = new SyncClient<typeof schema.fields, Input, Pos>({ schema, channel: clientSide.channel, now: () => clock.now });
      for (let i = 0; i < 10; i++) hostSide.channel.send(['not', 'a', 'snapshot']);
      clock.runUntil(100);
      expect(client.stats.badMessages).toBe(10);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toContain('MalformedSyncMessageError');
    } finally {
      warn.mockRestore();
    }
  });


  test('inputs numbered far ahead cannot stop the host loop: a window is kept, the rest is dropped and counted', () => {
    const clock = new SimClock();
    const hostile = simLane(clock, 2, { latencyMs: 1 });
    const honest = simLane(clock, 3, { latencyMs: 1 });
    const errors: string[] = [];
    const host = new SyncHost<typeof schema.fields, Input, Map<number, Pos>>({
      schema,
      world: new Map([[1, { x: 0, y: 0 }], [2, { x: 0, y: 0 }]]),
      now: () => clock.now,
      step: (world, inputs, dt) => {
        for (const [peer, id] of [['p1', 1], ['p2', 2]] as const) for (const input of inputs.get(peer) ?? []) world.set(id, move(world.get(id)!, input, dt));
        return world;
      },
      entities: (world) => world,
      onError: (_peer, error) => errors.push(error.message),
    });
    host.addPeer('p1', hostile.a.channel);
    host.addPeer('p2', honest.a.channel);
    // 2,000 messages of 64 inputs each, numbered all over: 128,000 inputs the host must not keep.
    const random = createSeededRandom(5);
    const inputs = Array.from({ length: 64 }, () => ({ dx: 1, dy: 0 }));
    for (let i = 0; i < 2000; i++) hostile.b.channel.send([0, 0, Math.floor(random() * 2 ** 40), inputs]);
    hostile.b.channel.send([0, 0, 1, [{ dx: 1, dy: 0 }]]);
    honest.b.channel.send([0, 0, 1, [{ dx: 0, dy: 1 }]]);
    expect(() => clock.loop(5, 1000, () => host.update())).not.toThrow();
    expect(host.stats.ticks).toBeGreaterThan(50);
    expect(host.stats.droppedInputs).toBeGreaterThan(127_000);
    expect(errors.some((message) => message.includes('too far ahead'))).toBe(true);
    // The honest peer's input applied, and so did the hostile peer's one in-window input.
    expect(host.world.get(2)!.y).toBeCloseTo(SPEED * DT);
    expect(host.world.get(1)!.x).toBeGreaterThan(0);
    const queue = new InputQueue<number>(8);
    queue.receive(Array.from({ length: 20 }, (_, i) => ({ seq: i + 1, input: i })));
    expect([queue.waiting, queue.dropped]).toEqual([8, 12]);
  });


  test('malformed messages and refused inputs are counted; nothing throws; good traffic goes on', () => {
    const clock = new SimClock();
    const { a: hostSide, b: clientSide } = simLane(clock, 1, { latencyMs: 1 });
    const errors: string[] = [];
    const host = moverHost(clock, hostSide.channel, {
      validateInput: (input): input is Input => typeof input === 'object' && input !== null && [-1, 0, 1].includes((input as Input).dx) && [-1, 0, 1].includes((input as Input).dy),
      onError: (_peer, error) => errors.push(error.name),
    });
    const client = new SyncClient<typeof schema.fields, Input, Pos>({ schema, channel: clientSide.channel, now: () => clock.now, onError: (error) => errors.push(error.name) });
    for (const garbage of ['hello', [1, 2, 3], [0, -1, 0, []], [0, 0, 1, new Array(65).fill({ dx: 0, dy: 0 })], null, [0, 0, 1, [], 'yesterday']]) clientSide.channel.send(garbage);
    clientSide.channel.send([0, 0, 1, [{ dx: 1e9, dy: 0 }, { dx: 1, dy: 0 }]]); // a speed hack, then a fair input
    for (const garbage of ['x', [1, 2, 3, 4, 'not bytes'], [1, 0, 0, 0, new Uint8Array([0xff, 0xff, 0xff])]]) hostSide.channel.send(garbage);
    clock.loop(5, 500, () => host.update());
    expect(host.stats.badMessages).toBe(6);
    expect(host.stats.badInputs).toBe(1);
    expect(client.stats.badMessages).toBe(3);
    expect(errors).toContain('MalformedSyncMessageError');
    expect(errors).toContain('MalformedSnapshotError');
    expect(host.world.get(1)!.x).toBeCloseTo(SPEED * DT); // only the fair input moved it
    expect(client.stats.snapshots).toBeGreaterThan(5);
  });
});
