/**
 * The msgpack guard against msgpackr itself: whatever msgpackr writes (plain, or with the link's
 * records) passes with the right value count and ends where msgpackr's reading ends; cut short or
 * followed by more, it fails; depth, value count and extensions are held to their limits; and no
 * input makes it throw.
 */
import { MsgpackGuardError, TIMESTAMP_EXTENSION, UNDEFINED_EXTENSION, createMsgpackScanner, type ScanLimits } from '@rallypoint/msgpack-guard';
import fc from 'fast-check';
import { Packr, Unpackr } from 'msgpackr';
import { describe, expect, it } from 'vitest';

const scanMsgpack = (bytes: Uint8Array, limits: ScanLimits) => createMsgpackScanner(limits)(bytes);
const open: ScanLimits = { maxDepth: 1000, maxNodes: 1e9, extensions: [UNDEFINED_EXTENSION, TIMESTAMP_EXTENSION], records: { shared: [] } };
const plainPackr = new Packr({ useRecords: false });
/** As the link's encoder is set up (codec.ts): records, written inline in each message. */
const recordPackr = () => new Packr({ structures: [], maxSharedStructures: 0 });

/** Values as msgpackr writes them without records: a node per value, map keys included. */
function countNodes(value: unknown): number {
  if (Array.isArray(value)) return 1 + value.reduce((sum: number, item) => sum + countNodes(item), 0);
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array) && !(value instanceof Date)) {
    return 1 + Object.values(value).reduce((sum: number, item) => sum + 1 + countNodes(item), 0);
  }
  return 1;
}

const values = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.integer(),
    fc.double(),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
    fc.string(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.uint8Array({ maxLength: 300 }),
    fc.date({ noInvalidDate: true }),
    fc.array(tie('value'), { maxLength: 20 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 8 }),
  ),
})).value;

describe('scanMsgpack', () => {
  it('passes what msgpackr writes, counting each value once, and msgpackr reads the same value back', () => {
    fc.assert(
      fc.property(values, (value) => {
        const bytes = plainPackr.pack(value);
        const result = scanMsgpack(bytes, open);
        expect(result).toMatchObject({ ok: true, nodes: countNodes(value) });
        expect(() => new Unpackr({ mapsAsObjects: true }).unpack(bytes)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });

  it('follows records as the link writes them, and never counts more values than bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ x: fc.integer(), y: fc.string(), z: fc.array(fc.record({ a: fc.boolean(), b: values })) })), (value) => {
        const bytes = recordPackr().pack(value);
        const result = scanMsgpack(bytes, open);
        expect(result.ok).toBe(true);
        if (result.ok) expect(result.nodes).toBeLessThanOrEqual(bytes.byteLength);
        // Without records allowed, an inline record definition is an extension nobody allowed.
        if (bytes.includes(0x72)) expect(scanMsgpack(bytes, { ...open, records: null }).ok).toBe(value.length === 0);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses every value cut short, and any value followed by more bytes', () => {
    fc.assert(
      fc.property(values, fc.nat(), (value, cut) => {
        const bytes = plainPackr.pack(value);
        const end = cut % bytes.byteLength;
        expect(scanMsgpack(bytes.subarray(0, end), open)).toMatchObject({ ok: false, reason: 'truncated' });
        expect(scanMsgpack(new Uint8Array([...bytes, 0xc0]), open)).toMatchObject({ ok: false, reason: 'trailing-bytes' });
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on random or mutated bytes, and passes only what msgpackr reads to the end', () => {
    const unpackr = new Unpackr({ mapsAsObjects: true, structuredClone: false });
    fc.assert(
      fc.property(values, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.uint8Array({ maxLength: 64 }), (value, flips, noise) => {
        for (const bytes of [mutate(plainPackr.pack(value), flips), noise]) {
          const result = scanMsgpack(bytes, open);
          if (!result.ok) continue;
          // msgpackr may still refuse it (a map with an object key); it must never find bytes left over.
          try {
            unpackr.unpack(bytes);
          } catch (error) {
            expect(String(error)).not.toMatch(/end of buffer not reached|Unexpected end/);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('holds depth and value count to their limits, and stops at once', () => {
    const nested = (depth: number) => new Uint8Array([...new Array<number>(depth).fill(0x91), 0xc0]);
    expect(scanMsgpack(nested(10), { ...open, maxDepth: 10 })).toMatchObject({ ok: true, depth: 10 });
    expect(scanMsgpack(nested(11), { ...open, maxDepth: 10 })).toMatchObject({ ok: false, reason: 'too-deep' });
    expect(scanMsgpack(new Uint8Array([0x90]), { ...open, maxDepth: 0 })).toMatchObject({ ok: false, reason: 'too-deep' });
    const list = plainPackr.pack(Array.from({ length: 99 }, () => 0));
    expect(scanMsgpack(list, { ...open, maxNodes: 100 })).toMatchObject({ ok: true, nodes: 100 });
    expect(scanMsgpack(list, { ...open, maxNodes: 99 })).toMatchObject({ ok: false, reason: 'too-many-nodes' });
    // 16 MiB of empty maps: refused after the budget, not after 16 million values.
    const maps = 16 * 1024 * 1024;
    const bomb = new Uint8Array(5 + maps).fill(0x80);
    bomb.set([0xdd, maps >>> 24, (maps >>> 16) & 0xff, (maps >>> 8) & 0xff, maps & 0xff]);
    const t0 = performance.now();
    expect(scanMsgpack(bomb, { ...open, maxNodes: 1000 })).toMatchObject({ ok: false, reason: 'too-many-nodes' });
    expect(performance.now() - t0).toBeLessThan(1000); // a bound only a scan of all 16 million crosses
    // A count no bytes could hold is a lie, whatever the budget.
    expect(scanMsgpack(new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0]), open)).toMatchObject({ ok: false, reason: 'truncated' });
  });

  it('refuses extensions that were not allowed: structured-clone references above all', () => {
    let dag: unknown = ['x'];
    for (let i = 0; i < 5; i++) {
      const inner = dag;
      dag = [inner, inner, inner];
    }
    const cloned = new Packr({ structuredClone: true, useRecords: false }).pack({ dag });
    expect(scanMsgpack(cloned, open)).toMatchObject({ ok: false, reason: 'forbidden-extension' });
    const date = plainPackr.pack(new Date(0));
    expect(scanMsgpack(date, open).ok).toBe(true);
    expect(scanMsgpack(date, { ...open, extensions: [] })).toMatchObject({ ok: false, reason: 'forbidden-extension' });
    expect(scanMsgpack(new Uint8Array([0xc1]), open)).toMatchObject({ ok: false, reason: 'invalid-token' });
    // A two-byte record definition (msgpackr's fixext 2 form) is never written by the link.
    expect(scanMsgpack(new Uint8Array([0xd5, 0x72, 0x60, 0x00, 0x91, 0xa1, 0x61, 0x01]), open)).toMatchObject({ ok: false, reason: 'forbidden-extension' });
    expect(scanMsgpack(new Uint8Array([0xd4, 0x72, 0x40, 0x91, 0x01, 0x01]), open)).toMatchObject({ ok: false, reason: 'bad-record' });
  });

  it('keeps no inline record from one message to the next', () => {
    const scan = createMsgpackScanner(open);
    // The first message defines record 0x40 (one key) and uses it; the second only uses it.
    expect(scan(new Uint8Array([0xd4, 0x72, 0x40, 0x91, 0xa1, 0x61, 0x01]))).toMatchObject({ ok: true, nodes: 4 });
    expect(scan(new Uint8Array([0x40, 0x01]))).toMatchObject({ ok: false, reason: 'trailing-bytes' });
  });

  it('names its refusals in MsgpackGuardError', () => {
    const result = scanMsgpack(new Uint8Array([0x92, 0x01]), open);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(new MsgpackGuardError(result)).toMatchObject({ name: 'MsgpackGuardError', reason: 'truncated', offset: 0 });
  });
});

function mutate(bytes: Uint8Array, flips: readonly [number, number][]): Uint8Array {
  const out = new Uint8Array(bytes);
  for (const [at, to] of flips) if (out.length > 0) out[at % out.length] = to;
  return out;
}
