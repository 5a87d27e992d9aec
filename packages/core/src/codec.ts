/**
 * msgpackr set up so that every frame decodes on its own. Pre-shared structures (agreed in the
 * hello) let repeated object shapes travel as a one-byte record id instead of their keys; any
 * other shape is written as an inline record definition inside the same message. We do not let
 * the events lane build structures over the stream (msgpackr's `sequential` mode): measured here,
 * it misdecodes once more distinct shapes than `maxOwnStructures` (32) have been seen, which a
 * long game session reaches. Self-contained frames cost a few bytes and cannot go wrong.
 */
import { Packr, RESET_BUFFER_MODE, Unpackr } from 'msgpackr';
import { MAX_STRUCTURES } from './wire.js';

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
  /** Throws on bytes that are not one complete msgpack value. */
  decode(bytes: Uint8Array): unknown;
}

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

export function createFrameDecoder(structures: readonly (readonly string[])[] = []): FrameDecoder {
  const unpackr = new Unpackr({
    // Loaded through getStructures, msgpackr marks them shared and restores them after any message
    // that redefines their record id inline. Passed as `structures`, one hostile message defining
    // record 0x40 would silently replace a shared shape and garble every later message.
    getStructures: () => copyStructures(structures),
    maxSharedStructures: structures.length,
    mapsAsObjects: true,
  });
  return { decode: (bytes) => unpackr.unpack(bytes) };
}
