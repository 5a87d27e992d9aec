/**
 * Seeded sources of hostile input for the fuzzers: random and mutated bytes, random msgpack
 * values (deep, wide, odd types), pointer DAGs, nesting bombs and foreign extensions. The same
 * seed gives the same frames, so a failing run can be replayed.
 */
import { createSeededRandom } from '@rallypoint/core';
import { Packr } from 'msgpackr';

const plain = new Packr({ useRecords: false });
const cloning = new Packr({ structuredClone: true, useRecords: false });

export interface FrameSource {
  random(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  bytes(length: number): Uint8Array;
  /** A random value msgpackr can write, nesting at most `depth`. */
  value(depth?: number): unknown;
  pack(value: unknown): Uint8Array;
  /** Bytes with a few flips, insertions, deletions, a cut or a repeated slice. */
  mutate(bytes: Uint8Array): Uint8Array;
  /** msgpackr structured-clone bytes of a DAG that has fanOut^levels leaves when walked. */
  dag(fanOut: number, levels: number, trailingByte: boolean): Uint8Array;
  /** An array (or map) nested `depth` times, as raw msgpack. */
  nested(depth: number, maps: boolean): Uint8Array;
  /** An extension of a random type with random data. */
  extension(): Uint8Array;
  /** An extreme or odd number: 0, -1, 2^32 - 1, 2^53, NaN, Infinity, a random u32... */
  oddNumber(): number;
}

export function createFrameSource(seed: number): FrameSource {
  const random = createSeededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const bytes = (length: number) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = int(256);
    return out;
  };
  const oddNumbers = [0, -1, 1, 0xffff_ffff, 0x1_0000_0000, 2 ** 53, -(2 ** 53), Number.NaN, Infinity, -Infinity, 0.5, -0];
  const source: FrameSource = {
    random,
    int,
    pick,
    bytes,
    oddNumber: () => (random() < 0.5 ? pick(oddNumbers) : int(0x1_0000_0000)),
    value(depth = 4): unknown {
      const kind = int(depth > 0 ? 12 : 8);
      switch (kind) {
        case 0: return int(1000) - 500;
        case 1: return source.oddNumber();
        case 2: return 'x'.repeat(int(40));
        case 3: return random() < 0.5;
        case 4: return null;
        case 5: return bytes(int(64));
        case 6: return BigInt(int(1000)) * 2n ** 40n;
        case 7: return pick(['__proto__', 'constructor', 'toString', '', 'signal', 'hello']);
        case 8:
        case 9: return Array.from({ length: int(8) }, () => source.value(depth - 1));
        default: {
          const object: Record<string, unknown> = {};
          // defineProperty: a `__proto__` key must be a key, not a new prototype.
          for (let i = int(6); i > 0; i--) {
            const key = pick(['a', 'b', 'type', 'to', 'data', '__proto__', 'n', String(int(100))]);
            Object.defineProperty(object, key, { value: source.value(depth - 1), enumerable: true, writable: true, configurable: true });
          }
          return object;
        }
      }
    },
    pack: (value) => plain.pack(value),
    mutate(input) {
      let out = Array.from(input);
      for (let edits = 1 + int(3); edits > 0; edits--) {
        const at = out.length === 0 ? 0 : int(out.length);
        switch (int(5)) {
          case 0: if (out.length > 0) out[at] = int(256); break;
          case 1: out.splice(at, 0, int(256)); break;
          case 2: out.splice(at, 1 + int(4)); break;
          case 3: out = out.slice(0, at); break;
          default: out.splice(at, 0, ...out.slice(at, at + 1 + int(16)));
        }
      }
      return Uint8Array.from(out);
    },
    dag(fanOut, levels, trailingByte) {
      let node: unknown = 'x';
      for (let level = 0; level < levels; level++) {
        const inner = node;
        node = Array.from({ length: fanOut }, () => inner);
      }
      const packed = cloning.pack(node);
      return trailingByte ? Uint8Array.from([...packed, 0xc0]) : packed;
    },
    nested(depth, maps) {
      const head = maps ? [0x81, 0xa1, 0x6b] : [0x91]; // {k: …} or [ … ]
      const out: number[] = [];
      for (let i = 0; i < depth; i++) out.push(...head);
      out.push(0xc0);
      return Uint8Array.from(out);
    },
    extension() {
      const type = int(256);
      const length = pick([1, 2, 4, 8, 16, int(40)]);
      const head = length === 1 ? [0xd4] : length === 2 ? [0xd5] : length === 4 ? [0xd6] : length === 8 ? [0xd7] : length === 16 ? [0xd8] : [0xc7, length];
      return Uint8Array.from([...head, type, ...bytes(length)]);
    },
  };
  return source;
}
