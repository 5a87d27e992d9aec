import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { BitReader, BitWriter, MalformedSnapshotError, MissingBaselineError, SnapshotDecoder, SnapshotEncoder, defineSchema, dequantizeWorld, quantizeWorld, type EntityOf } from '@rallypoint/sync';

const schema = defineSchema({
  x: { type: 'fixed', precision: 0.01 },
  y: { type: 'fixed', precision: 0.01 },
  vx: { type: 'fixed', precision: 0.1 },
  vy: { type: 'fixed', precision: 0.1 },
  angle: { type: 'angle', bits: 8 },
  hp: { type: 'int' },
  flags: { type: 'flags', bits: 4 },
  alive: { type: 'bool' },
});
type Entity = EntityOf<typeof schema.fields>;

const entityArb = fc.record({
  x: fc.double({ min: -5000, max: 5000, noNaN: true }),
  y: fc.double({ min: -5000, max: 5000, noNaN: true }),
  vx: fc.double({ min: -500, max: 500, noNaN: true }),
  vy: fc.double({ min: -500, max: 500, noNaN: true }),
  angle: fc.double({ min: -20, max: 20, noNaN: true }),
  hp: fc.integer({ min: -1000, max: 1000 }),
  flags: fc.integer({ min: 0, max: 15 }),
  alive: fc.boolean(),
});

// One step of the world: some entities change some fields, some appear, some go.
const stepArb = fc.record({
  changes: fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.option(entityArb, { nil: undefined }), fc.boolean())),
  snapshotLost: fc.boolean(),
  ackLost: fc.boolean(),
});

describe('snapshot codec', () => {
  test('property: decoded world equals the host quantized world, under loss of snapshots and acks', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), entityArb), { maxLength: 40 }), fc.array(stepArb, { minLength: 1, maxLength: 60 }), (initial, steps) => {
        const world = new Map<number, Entity>(initial);
        const encoder = new SnapshotEncoder(schema);
        const decoder = new SnapshotDecoder(schema);
        for (const step of steps) {
          for (const [id, replacement, remove] of step.changes) {
            if (remove) world.delete(id);
            else if (replacement !== undefined) world.set(id, { ...(world.get(id) ?? replacement), ...pickSome(replacement, id) });
          }
          const quantized = quantizeWorld(schema, world);
          const { id, bytes } = encoder.encode(quantized);
          if (step.snapshotLost) continue;
          const decoded = decoder.decode(bytes);
          expect(decoded.id).toBe(id);
          expect(dequantizeWorld(schema, decoded.world)).toEqual(dequantizeWorld(schema, quantized));
          if (!step.ackLost) encoder.ack(decoder.newestId);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('property: long runs past the history, with snapshots lost, delayed and reordered, and acks lost', () => {
    const runArb = fc.array(
      fc.record({
        changes: fc.array(fc.tuple(fc.integer({ min: 0, max: 12 }), fc.option(entityArb, { nil: undefined }), fc.boolean()), { maxLength: 4 }),
        lost: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
        delaySteps: fc.integer({ min: 0, max: 6 }),
        ackLost: fc.boolean(),
      }),
      { minLength: 80, maxLength: 400 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 12 }), entityArb), { maxLength: 12 }), runArb, (historySize, initial, steps) => {
        const world = new Map<number, Entity>(initial);
        const encoder = new SnapshotEncoder(schema, { historySize });
        const decoder = new SnapshotDecoder(schema, { historySize });
        const truth = new Map<number, Map<number, Entity>>();
        const inFlight: { id: number; bytes: Uint8Array; at: number }[] = [];
        let decoded = 0;
        for (const [t, step] of steps.entries()) {
          for (const [id, replacement, remove] of step.changes) {
            if (remove) world.delete(id);
            else if (replacement !== undefined) world.set(id, { ...(world.get(id) ?? replacement), ...pickSome(replacement, id) });
          }
          const quantized = quantizeWorld(schema, world);
          const sent = encoder.encode(quantized);
          // The baseline is one the receiver surely still remembers.
          if (sent.baselineId !== 0) expect(sent.id - sent.baselineId).toBeLessThan(historySize);
          truth.set(sent.id, dequantizeWorld(schema, quantized));
          if (!step.lost) inFlight.push({ id: sent.id, bytes: sent.bytes, at: t + step.delaySteps });
          // Deliver what is due, latest-sent first among equals: deliveries overtake each other.
          const due = inFlight.filter((m) => m.at <= t).sort((x, y) => y.id - x.id);
          for (const message of due) {
            inFlight.splice(inFlight.indexOf(message), 1);
            const newestBefore = decoder.newestId;
            try {
              const result = decoder.decode(message.bytes);
              expect(dequantizeWorld(schema, result.world)).toEqual(truth.get(result.id));
              decoded++;
            } catch (error) {
              // Only a snapshot that arrived after a newer one may find its baseline forgotten.
              expect(error).toBeInstanceOf(MissingBaselineError);
              expect(message.id).toBeLessThan(newestBefore);
            }
            expect(decoder.remembered).toBeLessThanOrEqual(historySize);
            if (!step.ackLost) encoder.ack(decoder.newestId);
          }
        }
        expect(decoded).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });

  test('idle entities cost (almost) nothing; a full snapshot when there is no baseline', () => {
    const world = new Map<number, Entity>(Array.from({ length: 32 }, (_, i) => [i, { x: i, y: i, vx: 0, vy: 0, angle: 0, hp: 100, flags: 0, alive: true }]));
    const encoder = new SnapshotEncoder(schema);
    const decoder = new SnapshotDecoder(schema);
    const full = encoder.encode(quantizeWorld(schema, world));
    expect(full.baselineId).toBe(0);
    decoder.decode(full.bytes);
    encoder.ack(full.id);
    const idle = encoder.encode(quantizeWorld(schema, world));
    expect(idle.baselineId).toBe(full.id);
    expect(idle.bytes.byteLength).toBeLessThanOrEqual(3);
    world.set(5, { ...world.get(5)!, x: 5.5 });
    const one = encoder.encode(quantizeWorld(schema, world));
    expect(one.bytes.byteLength).toBeLessThan(8);
    expect(full.bytes.byteLength).toBeGreaterThan(32 * 5);
  });

  test('a field moving at a steady rate is written as its difference from the trend: smaller once there is one', () => {
    const at = (tick: number) => new Map<number, Entity>(Array.from({ length: 8 }, (_, i) => [i, { x: 1.23 * tick + i, y: -0.77 * tick, vx: 5, vy: 0, angle: 0, hp: 100, flags: 0, alive: true }]));
    const encoder = new SnapshotEncoder(schema);
    const decoder = new SnapshotDecoder(schema);
    const sizes: number[] = [];
    for (let tick = 0; tick < 10; tick++) {
      const world = quantizeWorld(schema, at(tick));
      const encoded = encoder.encode(world);
      expect(decoder.decode(encoded.bytes).world).toEqual(world);
      encoder.ack(encoded.id);
      sizes.push(encoded.bytes.byteLength);
    }
    // Snapshot 2 is a delta against a full snapshot: no trend yet; from snapshot 3 on, there is.
    expect(sizes[1]).toBeGreaterThan(8 * 2);
    expect(Math.max(...sizes.slice(2))).toBeLessThanOrEqual(sizes[1]! - 8);
  });

  test('a schema of 32 fields, all of them changed, round-trips (its mask is every bit)', () => {
    const wide = defineSchema(Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`f${i}`, { type: 'int' as const }])));
    const encoder = new SnapshotEncoder(wide);
    const decoder = new SnapshotDecoder(wide);
    for (let tick = 0; tick < 4; tick++) {
      const world = new Map([[1, wide.quantize(Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`f${i}`, tick * (i + 1)])) as never)]]);
      const encoded = encoder.encode(world);
      expect(decoder.decode(encoded.bytes).world).toEqual(world);
      encoder.ack(encoded.id);
    }
  });

  test('a missing baseline or broken bytes are named errors, and nothing is kept', () => {
    const world = quantizeWorld(schema, new Map([[1, { x: 1, y: 2, vx: 0, vy: 0, angle: 1, hp: 3, flags: 1, alive: true }]]));
    const encoder = new SnapshotEncoder(schema);
    const first = encoder.encode(world);
    encoder.ack(first.id);
    const second = encoder.encode(world);
    const fresh = new SnapshotDecoder(schema);
    expect(() => fresh.decode(second.bytes)).toThrow(MissingBaselineError);
    expect(() => fresh.decode(first.bytes.slice(0, 2))).toThrow(MalformedSnapshotError);
    expect(() => fresh.decode(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toThrow(MalformedSnapshotError);
    expect(() => fresh.decode(new Uint8Array([...first.bytes, 0xff]))).toThrow(MalformedSnapshotError);
    expect(fresh.newestId).toBe(0);
    expect(fresh.decode(first.bytes).id).toBe(first.id);
  });

  test('bit writer and reader agree on varints and bit fields', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.integer({ min: 0, max: 2 ** 20 - 1 }))), (pairs) => {
        const w = new BitWriter(1);
        for (const [signed, bits] of pairs) {
          w.varint(signed);
          w.bits(bits, 20);
        }
        const r = new BitReader(w.finish());
        for (const [signed, bits] of pairs) {
          expect(r.varint()).toBe(signed);
          expect(r.bits(20)).toBe(bits);
        }
        expect(r.atEnd).toBe(true);
      }),
    );
  });
});

/** Change only some fields, chosen by the id, so deltas carry partial masks. */
function pickSome(entity: Entity, id: number): Partial<Entity> {
  const keys = Object.keys(entity) as (keyof Entity)[];
  return Object.fromEntries(keys.filter((_, i) => ((id + i) % 3) !== 0).map((k) => [k, entity[k]]));
}
