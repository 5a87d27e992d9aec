/**
 * Quantized delta snapshots. Each snapshot has an id and names its baseline: the newest snapshot
 * the receiver has acknowledged (acks ride the receiver's own state messages), or none (a full
 * snapshot). Only entities that changed since the baseline are written, only their changed
 * fields, as small integer deltas; idle entities cost nothing. Any snapshot decodes on its own
 * given its baseline, so loss and reordering on the state lane break nothing.
 *
 * Layout (bits): id, baseline id (0 = none), changed-entity count, then per entity: id gap,
 * field mask (entities in the baseline) and the fields; then removed count and id gaps.
 */
import { BitReader, BitWriter } from './bits.js';
import type { EntityOf, FieldSpec, QuantizedEntity, SnapshotSchema } from './schema.js';

/** Quantized entities by id. */
export type QuantizedWorld = ReadonlyMap<number, QuantizedEntity>;

/** A delta snapshot against a baseline this decoder no longer has. */
export class MissingBaselineError extends Error {
  override name = 'MissingBaselineError';
  constructor(readonly baselineId: number) {
    super(`snapshot needs baseline ${baselineId}, which this side no longer has`);
  }
}

/** Snapshot bytes that do not decode. */
export class MalformedSnapshotError extends Error {
  override name = 'MalformedSnapshotError';
}

/** One encoded snapshot and the id later ones are deltas against. */
export interface EncodedSnapshot {
  id: number;
  baselineId: number;
  bytes: Uint8Array;
}

/** Options of the snapshot encoder and decoder. */
export interface CodecOptions {
  /** Snapshots each side remembers as possible baselines. @default 64 */
  historySize?: number;
}

/** Host side, one per receiver. */
export class SnapshotEncoder<F extends Record<string, FieldSpec>> {
  readonly #history = new Map<number, QuantizedWorld>();
  readonly #historySize: number;
  #nextId = 1;
  #acked = 0;

  constructor(
    readonly schema: SnapshotSchema<F>,
    options: CodecOptions = {},
  ) {
    this.#historySize = options.historySize ?? 64;
  }

  /** The receiver says it has snapshot `id`. */
  ack(id: number): void {
    if (id > this.#acked && this.#history.has(id)) this.#acked = id;
  }

  get ackedId(): number {
    return this.#acked;
  }

  encode(world: QuantizedWorld): EncodedSnapshot {
    const id = this.#nextId++;
    // Only a baseline the receiver surely still keeps: it remembers as many as we do.
    const baselineId = this.#history.has(this.#acked) && id - this.#acked < this.#historySize ? this.#acked : 0;
    const bytes = writeSnapshot(this.schema, id, baselineId, world, baselineId === 0 ? undefined : this.#history.get(baselineId));
    this.#history.set(id, world);
    if (this.#history.size > this.#historySize) this.#history.delete(id - this.#historySize);
    return { id, baselineId, bytes };
  }
}

/** Client side, one per sender. */
export class SnapshotDecoder<F extends Record<string, FieldSpec>> {
  readonly #history = new Map<number, QuantizedWorld>();
  readonly #historySize: number;
  #newest = 0;

  constructor(
    readonly schema: SnapshotSchema<F>,
    options: CodecOptions = {},
  ) {
    this.#historySize = options.historySize ?? 64;
  }

  /** The id to acknowledge: the newest snapshot decoded. */
  get newestId(): number {
    return this.#newest;
  }

  /** Snapshots kept as possible baselines: at most `historySize`. */
  get remembered(): number {
    return this.#history.size;
  }

  /** Decode; throws MissingBaselineError or MalformedSnapshotError (nothing is kept then). */
  decode(bytes: Uint8Array): { id: number; baselineId: number; world: QuantizedWorld } {
    const { id, baselineId, world } = readSnapshot(this.schema, bytes, (baseline) => this.#history.get(baseline));
    this.#newest = Math.max(this.#newest, id);
    // Keep the newest `historySize` ids only, measured from the newest: a late snapshot is kept
    // only if it falls among them, so reordering cannot grow the history.
    if (!this.#history.has(id) && id > this.#newest - this.#historySize) {
      this.#history.set(id, world);
      for (const old of this.#history.keys()) if (old <= this.#newest - this.#historySize) this.#history.delete(old);
    }
    return { id, baselineId, world };
  }

  /** A decoded world as entities. */
  entities(world: QuantizedWorld): Map<number, EntityOf<F>> {
    return dequantizeWorld(this.schema, world);
  }
}

/** Entities as their quantized values. */
export function quantizeWorld<F extends Record<string, FieldSpec>>(schema: SnapshotSchema<F>, world: ReadonlyMap<number, EntityOf<F>>): Map<number, QuantizedEntity> {
  const out = new Map<number, QuantizedEntity>();
  for (const [id, entity] of world) out.set(id, schema.quantize(entity));
  return out;
}

/** Quantized entities as numbers again. */
export function dequantizeWorld<F extends Record<string, FieldSpec>>(schema: SnapshotSchema<F>, world: QuantizedWorld): Map<number, EntityOf<F>> {
  const out = new Map<number, EntityOf<F>>();
  for (const [id, values] of world) out.set(id, schema.dequantize(values));
  return out;
}

function writeSnapshot<F extends Record<string, FieldSpec>>(schema: SnapshotSchema<F>, id: number, baselineId: number, world: QuantizedWorld, baseline: QuantizedWorld | undefined): Uint8Array {
  const { specs } = schema;
  const w = new BitWriter();
  w.varuint(id);
  w.varuint(baselineId);
  const ids = [...world.keys()].sort((a, b) => a - b);
  const changed = ids.filter((eid) => {
    const before = baseline?.get(eid);
    return before === undefined || !sameValues(before, world.get(eid) as QuantizedEntity);
  });
  w.varuint(changed.length);
  let previous = -1;
  for (const eid of changed) {
    if (!Number.isSafeInteger(eid) || eid < 0) throw new RangeError(`entity ids are non-negative integers, got ${eid}`);
    w.varuint(eid - previous - 1);
    previous = eid;
    const values = world.get(eid) as QuantizedEntity;
    const before = baseline?.get(eid);
    if (before === undefined) {
      specs.forEach((spec, i) => writeAbsolute(w, spec, values[i] as number));
    } else {
      specs.forEach((_, i) => w.bool(values[i] !== before[i]));
      specs.forEach((spec, i) => {
        if (values[i] !== before[i]) writeChange(w, spec, values[i] as number, before[i] as number);
      });
    }
  }
  const removed = baseline === undefined ? [] : [...baseline.keys()].filter((eid) => !world.has(eid)).sort((a, b) => a - b);
  w.varuint(removed.length);
  previous = -1;
  for (const eid of removed) {
    w.varuint(eid - previous - 1);
    previous = eid;
  }
  return w.finish();
}

function readSnapshot<F extends Record<string, FieldSpec>>(schema: SnapshotSchema<F>, bytes: Uint8Array, baselineOf: (id: number) => QuantizedWorld | undefined) {
  const { specs } = schema;
  const r = new BitReader(bytes);
  try {
    const id = r.varuint();
    const baselineId = r.varuint();
    if (id === 0) throw new MalformedSnapshotError('snapshot id 0');
    let baseline: QuantizedWorld | undefined;
    if (baselineId !== 0) {
      baseline = baselineOf(baselineId);
      if (baseline === undefined) throw new MissingBaselineError(baselineId);
    }
    const world = new Map<number, QuantizedEntity>(baseline);
    const changed = r.varuint();
    if (changed > bytes.length * 8) throw new MalformedSnapshotError(`${changed} entities in ${bytes.length} bytes`);
    let eid = -1;
    for (let n = 0; n < changed; n++) {
      eid += r.varuint() + 1;
      const before = baseline?.get(eid);
      if (before === undefined) {
        world.set(eid, specs.map((spec) => readAbsolute(r, spec)));
      } else {
        const mask = specs.map(() => r.bool());
        world.set(eid, specs.map((spec, i) => (mask[i] ? readChange(r, spec, before[i] as number) : (before[i] as number))));
      }
    }
    const removed = r.varuint();
    if (removed > bytes.length * 8) throw new MalformedSnapshotError(`${removed} removals in ${bytes.length} bytes`);
    eid = -1;
    for (let n = 0; n < removed; n++) {
      eid += r.varuint() + 1;
      world.delete(eid);
    }
    if (!r.atEnd) throw new MalformedSnapshotError('bytes left after the snapshot');
    return { id, baselineId, world };
  } catch (error) {
    if (error instanceof MissingBaselineError || error instanceof MalformedSnapshotError) throw error;
    throw new MalformedSnapshotError((error as Error).message, { cause: error });
  }
}

function writeAbsolute(w: BitWriter, spec: FieldSpec, value: number): void {
  if (spec.type === 'angle' || spec.type === 'flags') w.bits(value, spec.bits);
  else if (spec.type === 'bool') w.bool(value === 1);
  else w.varint(value);
}

function readAbsolute(r: BitReader, spec: FieldSpec): number {
  if (spec.type === 'angle' || spec.type === 'flags') return r.bits(spec.bits);
  if (spec.type === 'bool') return r.bool() ? 1 : 0;
  return r.varint();
}

/** A changed field: numbers as the difference from the baseline; a changed bool is just flipped. */
function writeChange(w: BitWriter, spec: FieldSpec, value: number, before: number): void {
  if (spec.type === 'bool') return;
  if (spec.type === 'angle' || spec.type === 'flags') w.bits(value, spec.bits);
  else w.varint(value - before);
}

function readChange(r: BitReader, spec: FieldSpec, before: number): number {
  if (spec.type === 'bool') return before === 1 ? 0 : 1;
  if (spec.type === 'angle' || spec.type === 'flags') return r.bits(spec.bits);
  return before + r.varint();
}

function sameValues(a: QuantizedEntity, b: QuantizedEntity): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
