/**
 * A declared entity schema: each field says how it is quantized, so snapshots carry small
 * integers instead of floats and both sides agree exactly on the values (the client's decoded
 * world equals the host's quantized world, bit for bit).
 */
export type FieldSpec =
  /** A number kept to a multiple of `precision` (0.01 = hundredths). */
  | { type: 'fixed'; precision: number }
  /** An integer. */
  | { type: 'int' }
  /** An angle in `bits` bits (8 = 1.4° steps). @default fullTurn 2π */
  | { type: 'angle'; bits: number; fullTurn?: number }
  /** An unsigned bit field of `bits` bits. */
  | { type: 'flags'; bits: number }
  | { type: 'bool' };

/** An entity of a schema: one number (or boolean) per field. */
export type EntityOf<F extends Record<string, FieldSpec>> = { [K in keyof F]: F[K] extends { type: 'bool' } ? boolean : number };

/** Quantized entity: one integer per field, in schema order. */
export type QuantizedEntity = readonly number[];

/** What a snapshot carries of each entity, and how precisely (from `defineSchema`). */
export interface SnapshotSchema<F extends Record<string, FieldSpec>> {
  /** The field specs, by name, as given to `defineSnapshot`. */
  readonly fields: F;
  /** The field names, in the order they go on the wire. */
  readonly names: readonly (keyof F & string)[];
  /** The field specs, in `names` order (the order fields go on the wire). */
  readonly specs: readonly FieldSpec[];
  quantize(entity: EntityOf<F>): QuantizedEntity;
  dequantize(values: QuantizedEntity): EntityOf<F>;
}

/** A schema that cannot be used. */
export class SchemaError extends Error {
  override name = 'SchemaError';
}

/** A snapshot schema from its fields: each a type and a precision. */
export function defineSchema<F extends Record<string, FieldSpec>>(fields: F): SnapshotSchema<F> {
  const names = Object.keys(fields) as (keyof F & string)[];
  if (names.length === 0 || names.length > 32) throw new SchemaError(`a schema has 1 to 32 fields, got ${names.length}`);
  for (const name of names) {
    const spec = fields[name] as FieldSpec;
    if (spec.type === 'fixed' && !(spec.precision > 0)) throw new SchemaError(`${name}: precision must be positive`);
    if ((spec.type === 'angle' || spec.type === 'flags') && !(Number.isInteger(spec.bits) && spec.bits >= 1 && spec.bits <= 32)) throw new SchemaError(`${name}: bits must be 1 to 32`);
  }
  const specs = names.map((name) => fields[name] as FieldSpec);
  return {
    fields,
    names,
    specs,
    quantize(entity) {
      // `+ 0` turns -0 into 0: the wire has no negative zero, so the host must not keep one.
      return specs.map((spec, i) => quantizeField(spec, (entity as Record<string, number | boolean>)[names[i] as string]) + 0);
    },
    dequantize(values) {
      const entity: Record<string, number | boolean> = {};
      specs.forEach((spec, i) => (entity[names[i] as string] = dequantizeField(spec, values[i] as number)));
      return entity as EntityOf<F>;
    },
  };
}

function quantizeField(spec: FieldSpec, value: number | boolean | undefined): number {
  switch (spec.type) {
    case 'fixed':
      return Math.round(Number(value ?? 0) / spec.precision);
    case 'int':
      return Math.round(Number(value ?? 0));
    case 'angle': {
      const turn = spec.fullTurn ?? Math.PI * 2;
      const steps = 2 ** spec.bits;
      const q = Math.round((Number(value ?? 0) / turn) * steps) % steps;
      return q < 0 ? q + steps : q;
    }
    case 'flags':
      return Number(value ?? 0) % 2 ** spec.bits >>> 0;
    case 'bool':
      return value === true ? 1 : 0;
  }
}

function dequantizeField(spec: FieldSpec, q: number): number | boolean {
  switch (spec.type) {
    case 'fixed':
      return q * spec.precision;
    case 'int':
    case 'flags':
      return q;
    case 'angle':
      return (q / 2 ** spec.bits) * (spec.fullTurn ?? Math.PI * 2);
    case 'bool':
      return q === 1;
  }
}
