/**
 * Quantized delta snapshots. Each snapshot has an id and names its baseline: the newest snapshot
 * the receiver has acknowledged (acks ride the receiver's own state messages), or none (a full
 * snapshot). Only entities that changed since the baseline are written, only their changed
 * fields, as small integer deltas; idle entities cost nothing. Any snapshot decodes on its own
 * given its baseline, so loss and reordering on the state lane break nothing.
 *
 * Layout (bits): id, baseline id (0 = none), changed-entity count; with changes, for each
 * numeric field, whether any entity's delta of it is written and in how many bits (6 bits: all
 * deltas of a field in one snapshot take the width of its largest, zigzag-mapped); then per
 * entity: id gap, and for an entity new since the baseline its fields whole, else its field
 * mask (one bit when it is the previous entity's mask again, as it mostly is: the same fields
 * move) and the changed fields; then removed count and id gaps.
 */
import { BitReader, BitWriter } from './bits.js';
import type { EntityOf, FieldSpec, QuantizedEntity, SnapshotSchema } from './schema.js';
import { checkRanges } from './ranges.js';
import { MalformedSnapshotError, MissingBaselineError } from './snapshot-errors.js';

export { MalformedSnapshotError, MissingBaselineError };

/** Quantized entities by id. */
export type QuantizedWorld = ReadonlyMap<number, QuantizedEntity>;

/** One encoded snapshot and the id later ones are deltas against. */
export interface EncodedSnapshot {
  /** This snapshot's number (one more for each snapshot encoded for this receiver). */
  id: number;
  /** The snapshot it is a delta against; 0: none, it is whole. */
  baselineId: number;
  /** What goes on the state lane. */
  bytes: Uint8Array;
}

/** Options of the snapshot encoder and decoder. */
export interface CodecOptions {
  /** Snapshots each side remembers as possible baselines; a whole number, 2 or more. @default 64 */
  historySize?: number;
}

function historySizeOf(options: CodecOptions): number {
  checkRanges('snapshot codec', [['historySize', options.historySize, { min: 2, whole: true }]]);
  return options.historySize ?? 64;
}

/** A snapshot kept as a possible baseline: its world, and the baseline it was a delta against. */
interface Kept {
  world: QuantizedWorld;
  baselineId: number;
}

/**
 * What a numeric field's change is predicted from: the baseline B and the snapshot B was itself
 * a delta against (P), which both sides hold. A field moving at a steady rate is then written as
 * its (small) difference from B + (B − P) × (id − B) / (B − P); a field that did not move
 * between P and B, as its difference from B. P is used only within half the history, so a
 * receiver that holds B holds it too.
 */
interface Trend {
  world: QuantizedWorld;
  /** id − B over B − P. */
  scale: number;
}

function trendOf(id: number, baselineId: number, baseline: Kept | undefined, history: ReadonlyMap<number, Kept>, historySize: number): Trend | undefined {
  const reference = baseline?.baselineId ?? 0;
  if (reference === 0 || id - reference > historySize / 2) return undefined;
  const world = history.get(reference)?.world;
  if (world === undefined) throw new MissingBaselineError(reference);
  return { world, scale: (id - baselineId) / (baselineId - reference) };
}

/** Host side, one per receiver. */
export class SnapshotEncoder<F extends Record<string, FieldSpec>> {
  readonly #history = new Map<number, Kept>();
  readonly #historySize: number;
  #nextId = 1;
  #acked = 0;

  constructor(
    readonly schema: SnapshotSchema<F>,
    options: CodecOptions = {},
  ) {
    this.#historySize = historySizeOf(options);
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
    const baseline = baselineId === 0 ? undefined : this.#history.get(baselineId);
    // The trend's snapshot is within half the history, so this side, which keeps all of it, has it.
    const trend = trendOf(id, baselineId, baseline, this.#history, this.#historySize);
    const bytes = writeSnapshot(this.schema, id, baselineId, world, baseline?.world, trend);
    this.#history.set(id, { world, baselineId });
    if (this.#history.size > this.#historySize) this.#history.delete(id - this.#historySize);
    return { id, baselineId, bytes };
  }
}

/** Client side, one per sender. */
export class SnapshotDecoder<F extends Record<string, FieldSpec>> {
  readonly #history = new Map<number, Kept>();
  readonly #historySize: number;
  #newest = 0;

  constructor(
    readonly schema: SnapshotSchema<F>,
    options: CodecOptions = {},
  ) {
    this.#historySize = historySizeOf(options);
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
    const { id, baselineId, world } = readSnapshot(this.schema, bytes, this.#history, this.#historySize);
    this.#newest = Math.max(this.#newest, id);
    // Keep the newest `historySize` ids only, measured from the newest: a late snapshot is kept
    // only if it falls among them, so reordering cannot grow the history.
    if (!this.#history.has(id) && id > this.#newest - this.#historySize) {
      this.#history.set(id, { world, baselineId });
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

function writeSnapshot<F extends Record<string, FieldSpec>>(schema: SnapshotSchema<F>, id: number, baselineId: number, world: QuantizedWorld, baseline: QuantizedWorld | undefined, trend: Trend | undefined): Uint8Array {
  const { specs } = schema;
  const w = new BitWriter();
  w.varuint(id);
  // The baseline as how many ids back it is (0: none): small, where the id itself grows.
  w.varuint(baselineId === 0 ? 0 : id - baselineId);
  const ids = [...world.keys()].sort((a, b) => a - b);
  const changed = ids.filter((eid) => {
    const before = baseline?.get(eid);
    return before === undefined || !sameValues(before, world.get(eid) as QuantizedEntity);
  });
  w.varuint(changed.length);
  // Each changed entity: its values, the baseline's, and where its trend puts them (once each).
  const rows = changed.map((eid): Row => {
    const before = baseline?.get(eid);
    return { eid, values: world.get(eid) as QuantizedEntity, before, expected: predict(specs, before, trend?.world.get(eid), trend?.scale ?? 0) };
  });
  const widths = deltaWidths(specs, rows);
  if (changed.length > 0) {
    specs.forEach((spec, i) => {
      if (!isNumeric(spec)) return;
      w.bool(widths[i]! > 0);
      if (widths[i]! > 0) w.bits(widths[i]!, 6);
    });
  }
  let previous = -1;
  let previousMask: number | undefined;
  for (const { eid, values, before, expected } of rows) {
    if (!Number.isSafeInteger(eid) || eid < 0) throw new RangeError(`entity ids are non-negative integers, got ${eid}`);
    w.varuint(eid - previous - 1);
    previous = eid;
    if (before === undefined) {
      specs.forEach((spec, i) => writeAbsolute(w, spec, values[i] as number));
    } else {
      const mask = maskOf(values, before);
      w.bool(mask === previousMask);
      if (mask !== previousMask) specs.forEach((_, i) => w.bool(values[i] !== before[i]));
      previousMask = mask;
      specs.forEach((spec, i) => {
        if (values[i] !== before[i]) writeChange(w, spec, values[i] as number, expected![i] as number, widths[i]!);
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

function readSnapshot<F extends Record<string, FieldSpec>>(schema: SnapshotSchema<F>, bytes: Uint8Array, history: ReadonlyMap<number, Kept>, historySize: number) {
  const { specs } = schema;
  const r = new BitReader(bytes);
  try {
    const id = r.varuint();
    const back = r.varuint();
    if (id === 0) throw new MalformedSnapshotError('snapshot id 0');
    if (back >= id) throw new MalformedSnapshotError(`a baseline ${back} ids before snapshot ${id}`);
    const baselineId = back === 0 ? 0 : id - back;
    let baseline: QuantizedWorld | undefined;
    let trend: Trend | undefined;
    if (baselineId !== 0) {
      const kept = history.get(baselineId);
      if (kept === undefined) throw new MissingBaselineError(baselineId);
      baseline = kept.world;
      trend = trendOf(id, baselineId, kept, history, historySize);
    }
    const world = new Map<number, QuantizedEntity>(baseline);
    const changed = r.varuint();
    if (changed > bytes.length * 8) throw new MalformedSnapshotError(`${changed} entities in ${bytes.length} bytes`);
    const widths = changed === 0 ? [] : specs.map((spec) => (isNumeric(spec) && r.bool() ? r.bits(6) : 0));
    if (widths.some((width) => width > 53)) throw new MalformedSnapshotError(`a field width over 53 bits`);
    let eid = -1;
    let mask: boolean[] | undefined;
    for (let n = 0; n < changed; n++) {
      eid += r.varuint() + 1;
      const before = baseline?.get(eid);
      if (before === undefined) {
        world.set(eid, specs.map((spec) => readAbsolute(r, spec)));
      } else {
        const same = r.bool();
        if (!same || mask === undefined) {
          if (same) throw new MalformedSnapshotError('a field mask said to repeat before any was given');
          mask = specs.map(() => r.bool());
        }
        const fields = mask;
        const expected = predict(specs, before, trend?.world.get(eid), trend?.scale ?? 0)!;
        world.set(eid, specs.map((spec, i) => (fields[i] ? readChange(r, spec, before[i] as number, expected[i] as number, widths[i]!) : (before[i] as number))));
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

/** Fields written as a difference from the baseline (fixed and int). */
const isNumeric = (spec: FieldSpec): boolean => spec.type !== 'bool' && spec.type !== 'angle' && spec.type !== 'flags';

const zigzag = (value: number): number => (value >= 0 ? value * 2 : -value * 2 - 1);
const unzigzag = (value: number): number => (value % 2 === 0 ? value / 2 : -(value + 1) / 2);

/** A changed entity as a snapshot writes it: values now, in the baseline (none: new), and as its trend predicts them. */
interface Row {
  eid: number;
  values: QuantizedEntity;
  before: QuantizedEntity | undefined;
  expected: QuantizedEntity | undefined;
}

/** An entity's fields as predicted from the baseline and the trend before it (the baseline's own values where there is none). */
function predict(specs: readonly FieldSpec[], before: QuantizedEntity | undefined, earlier: QuantizedEntity | undefined, scale: number): QuantizedEntity | undefined {
  if (before === undefined) return undefined;
  if (earlier === undefined || scale === 0) return before;
  return specs.map((spec, i) => {
    const b = before[i] as number;
    return isNumeric(spec) ? b + Math.round((b - (earlier[i] as number)) * scale) : b;
  });
}

/** For each numeric field, the bits its largest zigzag-mapped difference from the prediction in this snapshot needs (0: none, or all as predicted). */
function deltaWidths(specs: readonly FieldSpec[], rows: readonly Row[]): number[] {
  return specs.map((spec, i) => {
    if (!isNumeric(spec)) return 0;
    let largest = 0;
    for (const { values, before, expected } of rows) {
      if (before !== undefined && values[i] !== before[i]) largest = Math.max(largest, zigzag((values[i] as number) - (expected![i] as number)));
    }
    if (largest > Number.MAX_SAFE_INTEGER) throw new RangeError(`a change too large to send: ${largest} (zigzag-mapped)`);
    return largest === 0 ? 0 : Math.floor(Math.log2(largest)) + 1;
  });
}

/** Which fields differ from the baseline, as bits (schemas have at most 32 fields). */
function maskOf(values: QuantizedEntity, before: QuantizedEntity): number {
  let mask = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== before[i]) mask |= 1 << i;
  return mask;
}

/** A changed field: numbers as the difference from the prediction, in the field's width; a changed bool is just flipped. */
function writeChange(w: BitWriter, spec: FieldSpec, value: number, expected: number, width: number): void {
  if (spec.type === 'bool') return;
  if (spec.type === 'angle' || spec.type === 'flags') w.bits(value, spec.bits);
  else w.bits(zigzag(value - expected), width);
}

function readChange(r: BitReader, spec: FieldSpec, before: number, expected: number, width: number): number {
  if (spec.type === 'bool') return before === 1 ? 0 : 1;
  if (spec.type === 'angle' || spec.type === 'flags') return r.bits(spec.bits);
  // Width 0: every change of this field in the snapshot was just as predicted.
  return expected + unzigzag(r.bits(width));
}

function sameValues(a: QuantizedEntity, b: QuantizedEntity): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
