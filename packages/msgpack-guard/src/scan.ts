/**
 * One pass over msgpack bytes that builds nothing: it finds where the value ends, how deep it
 * nests and how many values it holds, and which extensions it uses, so that a decoder only ever
 * sees input whose cost is known in advance.
 *
 * Why a pass of our own and not decoder options: msgpackr's structured-clone extensions (0x69 id,
 * 0x70 pointer) let a few hundred bytes describe a DAG of billions of nodes, and its error path
 * for trailing bytes stringifies whatever it decoded. Neither can be bounded from outside while
 * msgpackr decodes, so the bytes are measured first. Without shared references, every value takes
 * at least one byte, so a message's value count never exceeds its byte size; `maxNodes` is the
 * absolute cap on top of that.
 */

/** msgpackr's record definition extension ("r"): a key list, then the record's values. */
export const RECORD_DEFINITION_EXTENSION = 0x72;
/** msgpackr writes `undefined` as a 1-byte extension of type 0. */
export const UNDEFINED_EXTENSION = 0x00;
/** The msgpack timestamp extension (type -1). */
export const TIMESTAMP_EXTENSION = 0xff;

/** What a scanner lets through: depth, value count, extensions and record shapes. */
export interface ScanLimits {
  /** Deepest nesting of arrays, maps and records: a top-level array alone is depth 1. */
  readonly maxDepth: number;
  /** Most values in one message, map keys, record keys and containers included. */
  readonly maxNodes: number;
  /** Extension types (as the unsigned type byte) that may appear; any other is refused. */
  readonly extensions: readonly number[];
  /**
   * msgpackr records. `null`: none (bytes 0x40–0x7f are plain integers and a record definition is
   * a forbidden extension). Otherwise `shared[i]` is the key count of the pre-shared structure
   * with record id 0x40 + i, and one-byte inline definitions (fixext 1, type 0x72) are followed
   * for the rest of the message, as msgpackr reads them.
   */
  readonly records: { readonly shared: readonly number[] } | null;
}

/** Why a message was refused. */
export type ScanFailure = 'truncated' | 'trailing-bytes' | 'too-deep' | 'too-many-nodes' | 'forbidden-extension' | 'invalid-token' | 'bad-record';

/** A scan's verdict: the message may be decoded, or why not and where. */
export type ScanResult =
  | { ok: true; nodes: number; depth: number }
  | { ok: false; reason: ScanFailure; offset: number; message: string };

const MAX_RECORD_IDS = 64;

/** Checks msgpack bytes against limits fixed once, so no per-message tables are built. */
export type MsgpackScanner = (bytes: Uint8Array) => ScanResult;

/** A scanner for messages within `limits`: one pass over the bytes, no allocation per value. */
export function createMsgpackScanner(limits: ScanLimits): MsgpackScanner {
  const allowed = new Uint8Array(256);
  for (const type of limits.extensions) allowed[type & 0xff] = 1;
  // Key counts by record id & 0x3f (-1: none), the shared ones first; a scan may add inline ones.
  const sharedRecords = new Int32Array(MAX_RECORD_IDS).fill(-1);
  limits.records?.shared.forEach((count, i) => {
    if (i < MAX_RECORD_IDS) sharedRecords[i] = count;
  });
  const scanRecords = limits.records === null ? null : new Int32Array(MAX_RECORD_IDS);
  return (bytes) => {
    scanRecords?.set(sharedRecords);
    return scan(bytes, limits, allowed, scanRecords);
  };
}

function scan(bytes: Uint8Array, limits: ScanLimits, allowed: Uint8Array, records: Int32Array | null): ScanResult {
  const end = bytes.byteLength;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (reason: ScanFailure, offset: number, message: string): ScanResult => ({ ok: false, reason, offset, message });
  const truncated = (offset: number) => fail('truncated', offset, `the message ends inside a value (at byte ${offset} of ${end})`);

  // Values still to read at each open level; `remaining` is the innermost one.
  const stack: number[] = [];
  let remaining = 1;
  let deepest = 0;
  let pos = 0;
  let nodes = 0;
  /** Reads an unsigned big-endian length of `size` bytes at `pos`, or -1 past the end. */
  const length = (size: 1 | 2 | 4): number => {
    if (pos + size > end) return -1;
    const n = size === 1 ? view.getUint8(pos) : size === 2 ? view.getUint16(pos) : view.getUint32(pos);
    pos += size;
    return n;
  };

  while (remaining > 0 || stack.length > 0) {
    if (remaining === 0) {
      remaining = stack.pop() as number;
      continue;
    }
    remaining--;
    if (++nodes > limits.maxNodes) return fail('too-many-nodes', pos, `more than ${limits.maxNodes} values`);
    if (pos >= end) return truncated(pos);
    const start = pos;
    const token = bytes[pos++] as number;
    let skip = 0;
    let children = -1; // a container's value count; -1 for a scalar

    if (token < 0x80) {
      const count = token >= 0x40 && records !== null ? (records[token & 0x3f] as number) : -1;
      if (count >= 0) children = count;
    } else if (token < 0x90) children = (token & 0x0f) * 2;
    else if (token < 0xa0) children = token & 0x0f;
    else if (token < 0xc0) skip = token & 0x1f;
    else if (token >= 0xe0) skip = 0;
    else {
      switch (token) {
        case 0xc0: case 0xc2: case 0xc3: break;
        case 0xc4: skip = length(1); break;
        case 0xc5: skip = length(2); break;
        case 0xc6: skip = length(4); break;
        case 0xca: skip = 4; break;
        case 0xcb: skip = 8; break;
        case 0xcc: case 0xd0: skip = 1; break;
        case 0xcd: case 0xd1: skip = 2; break;
        case 0xce: case 0xd2: skip = 4; break;
        case 0xcf: case 0xd3: skip = 8; break;
        case 0xd9: skip = length(1); break;
        case 0xda: skip = length(2); break;
        case 0xdb: skip = length(4); break;
        case 0xdc: children = length(2); if (children < 0) return truncated(start); break;
        case 0xdd: children = length(4); if (children < 0) return truncated(start); break;
        case 0xde: children = length(2) * 2; if (children < 0) return truncated(start); break;
        case 0xdf: children = length(4) * 2; if (children < 0) return truncated(start); break;
        case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8: case 0xc7: case 0xc8: case 0xc9: {
          const dataBytes = token === 0xc7 ? length(1) : token === 0xc8 ? length(2) : token === 0xc9 ? length(4) : 1 << (token - 0xd4);
          if (dataBytes < 0 || pos >= end) return truncated(start);
          const type = bytes[pos++] as number;
          if (type === RECORD_DEFINITION_EXTENSION && records !== null && token === 0xd4) {
            const defined = readRecordKeys();
            if (typeof defined !== 'number') return defined;
            children = defined;
            break;
          }
          if (allowed[type] !== 1) return fail('forbidden-extension', start, `extension type ${type} is not allowed here`);
          skip = dataBytes;
          break;
        }
        default:
          return fail('invalid-token', start, `byte 0x${token.toString(16)} starts no msgpack value`);
      }
    }
    if (skip < 0) return truncated(start);
    if (skip > end - pos) return truncated(start);
    pos += skip;
    if (children < 0) continue;
    // A container: every value in it takes at least a byte, so a count past the end is a lie.
    if (stack.length + 1 > limits.maxDepth) return fail('too-deep', start, `nested deeper than ${limits.maxDepth}`);
    if (children > end - pos) return truncated(start);
    deepest = Math.max(deepest, stack.length + 1);
    if (children > 0) {
      stack.push(remaining);
      remaining = children;
    }
  }
  if (pos !== end) return fail('trailing-bytes', pos, `${end - pos} bytes after the end of the value`);
  return { ok: true, nodes, depth: deepest };

  /**
   * An inline record definition, fixext 1 `0xd4 0x72 id`, then an array of string keys, then the
   * record's values: defines the id for the rest of the message and returns its key count.
   */
  function readRecordKeys(): number | ScanResult {
    const start = pos - 2;
    if (pos >= end) return truncated(start);
    const id = (bytes[pos++] as number) & 0x3f;
    if (pos >= end) return truncated(start);
    const head = bytes[pos++] as number;
    const count = head >= 0x90 && head < 0xa0 ? head & 0x0f : head === 0xdc ? length(2) : head === 0xdd ? length(4) : -2;
    if (count === -2) return fail('bad-record', start, 'a record definition without a key list');
    if (count < 0 || count > end - pos) return truncated(start);
    nodes += 1 + count;
    if (nodes > limits.maxNodes) return fail('too-many-nodes', start, `more than ${limits.maxNodes} values`);
    for (let i = 0; i < count; i++) {
      const key = pos < end ? (bytes[pos++] as number) : -1;
      const keyBytes = key >= 0xa0 && key < 0xc0 ? key & 0x1f : key === 0xd9 ? length(1) : key === 0xda ? length(2) : key === 0xdb ? length(4) : -2;
      if (key < 0) return truncated(start);
      if (keyBytes === -2) return fail('bad-record', start, 'a record key that is not a string');
      if (keyBytes < 0 || keyBytes > end - pos) return truncated(start);
      pos += keyBytes;
    }
    (records as Int32Array)[id] = count;
    return count;
  }
}
