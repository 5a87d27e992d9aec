/**
 * msgpackr set up so that every frame decodes on its own. Pre-shared structures (agreed in the
 * hello) let repeated object shapes travel as a one-byte record id instead of their keys; any
 * other shape is written as an inline record definition inside the same message. We do not let
 * the events lane build structures over the stream (msgpackr's `sequential` mode): measured here,
 * it misdecodes once more distinct shapes than `maxOwnStructures` (32) have been seen, which a
 * long game session reaches. Self-contained frames cost a few bytes and cannot go wrong.
 */
import { MsgpackGuardError, TIMESTAMP_EXTENSION, UNDEFINED_EXTENSION, createMsgpackScanner } from '@rallypoint/msgpack-guard';
import { Packr, RESET_BUFFER_MODE, Unpackr } from 'msgpackr';
import type { DecodeLimits } from '../types.js';
import { MAX_STRUCTURES } from './frames.js';

/** Bytes backed by a plain ArrayBuffer, as RTCDataChannel.send() wants them. */
export type Bytes = Uint8Array<ArrayBuffer>;

export interface FrameEncoder {
  /** Encodes into bytes of their own. */
  encode(frame: readonly unknown[]): Bytes;
  /**
   * Encodes into the encoder's scratch buffer: valid only until the next call to either method.
   * For bytes handed straight to RTCDataChannel.send(), which copies them; saves an allocation
   * per message on the hot path.
   */
  encodeTransient(frame: readonly unknown[]): Bytes;
}

export interface FrameDecoder {
  /**
   * Throws on bytes that are not one complete msgpack value, and (`MsgpackGuardError`) on any
   * beyond the decode limits, before msgpackr builds anything from them.
   */
  decode(bytes: Uint8Array): unknown;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxDepth: 64, maxNodes: 131_072 };

/** Room for the frame around a payload: its array, kind, name or ids (see wire.ts). */
const FRAME_DEPTH = 1;
const FRAME_NODES = 8;

const copyStructures = (structures: readonly (readonly string[])[]): string[][] => structures.map((keys) => [...keys]);

export function createFrameEncoder(structures: readonly (readonly string[])[] = []): FrameEncoder {
  if (structures.length > MAX_STRUCTURES) {
    throw new RangeError(`At most ${MAX_STRUCTURES} pre-shared structures are supported, got ${structures.length}`);
  }
  const packr = new Packr({
    structures: copyStructures(structures),
    // Freeze the shared set at what both sides agreed: new shapes are written inline, per message.
    maxSharedStructures: structures.length,
  });
  return {
    encode: (frame) => packr.pack(frame) as Bytes,
    encodeTransient: (frame) => packr.pack(frame, RESET_BUFFER_MODE) as Bytes,
  };
}

export function createFrameDecoder(structures: readonly (readonly string[])[] = [], limits: DecodeLimits = DEFAULT_DECODE_LIMITS): FrameDecoder {
  const scan = createMsgpackScanner({
    maxDepth: limits.maxDepth + FRAME_DEPTH,
    maxNodes: limits.maxNodes + FRAME_NODES,
    // What our encoder writes besides plain msgpack: `undefined`, Dates, and records.
    extensions: [UNDEFINED_EXTENSION, TIMESTAMP_EXTENSION],
    records: { shared: structures.map((keys) => keys.length) },
  });
  const unpackr = new Unpackr({
    // Loaded through getStructures, msgpackr marks them shared and restores them after any message
    // that redefines their record id inline. Passed as `structures`, one hostile message defining
    // record 0x40 would silently replace a shared shape and garble every later message.
    getStructures: () => copyStructures(structures),
    maxSharedStructures: structures.length,
    mapsAsObjects: true,
    // The guard refuses msgpackr's id/pointer extensions already; this keeps them off if it changes.
    structuredClone: false,
  });
  return {
    decode: (bytes) => {
      const result = scan(bytes);
      if (!result.ok) throw new MsgpackGuardError(result);
      return unpackr.unpack(bytes);
    },
  };
}
