/**
 * What colyseus.js' Room takes from `@colyseus/msgpackr` (its own fork of msgpackr), made of
 * msgpackr itself, so that a lobby page carries one msgpack codec instead of two. The browser build
 * puts it in the fork's place (`colyseus-lite.mjs`); Node keeps the fork.
 *
 * Room writes a message's header (its kind and type) at the start of `buffer`, sets `position` to 0
 * and packs the body behind the header with RESERVE_START_SPACE, then sends the header and body as
 * one view. The same here, into a buffer of this Packr's own: msgpackr's Packr packs the body (the
 * same options, so the same bytes as the fork: test/unit/colyseus-lite.test.ts) and it is copied
 * in behind the header, which costs a copy of each lobby message and nothing on the data lanes.
 */
import { Packr as Msgpackr } from 'msgpackr';

export { unpack } from 'msgpackr';

/** msgpackr's flag: leave `encodeOptions & 0xff` bytes free before the packed value. */
const RESERVE_START_SPACE = 2048;

export class Packr {
  readonly #packr = new Msgpackr();
  #buffer: Uint8Array = new Uint8Array(8192);

  /** Where Room writes a message's header before packing its body. */
  get buffer(): Uint8Array {
    return this.#buffer;
  }
  /** Room sets 0 before each body; a body always goes right behind the reserved start. */
  get position(): number {
    return 0;
  }
  set position(_value: number) {}

  /** Room's own bigger buffer, for a message of bytes larger than this one. */
  useBuffer(buffer: Uint8Array): void {
    this.#buffer = buffer;
  }

  pack(value: unknown, encodeOptions = 0): Uint8Array {
    const body = this.#packr.pack(value);
    if ((encodeOptions & RESERVE_START_SPACE) === 0) return body;
    const start = encodeOptions & 0xff;
    const end = start + body.byteLength;
    if (end > this.#buffer.byteLength) {
      const bigger = new Uint8Array(Math.max(end, this.#buffer.byteLength * 2));
      bigger.set(this.#buffer.subarray(0, start));
      this.#buffer = bigger;
    }
    this.#buffer.set(body, start);
    return this.#buffer.subarray(0, end);
  }

  encode(value: unknown, encodeOptions = 0): Uint8Array {
    return this.pack(value, encodeOptions);
  }
}
