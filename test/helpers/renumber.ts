/**
 * For tests that write frames straight onto a link's transport, as a hostile peer would: the
 * events lane takes data frames only in sequence (see wire.ts), so an injected data frame needs a
 * sequence number, and the link's own frames after it need theirs moved up by one, or the peer
 * would drop them as already seen. This keeps one side's numbering consistent with what it
 * injects: it renumbers the link's outgoing data frames, numbers injected ones, and maps the
 * peer's acknowledgements back to the link's own numbers.
 */
import { FrameKind } from '@rallypoint/core';
import { pack, unpack } from 'msgpackr';
import { SEQ_PREFIX_BYTES, readSeq, withSeq } from '../../packages/core/src/wire/frames.js';

export class Renumberer {
  /** Frames injected so far: the link's own numbers are this much behind the peer's. */
  #shift = 0;
  /** The next number on the wire. */
  #next = 0;

  /** A frame the link sends on its events lane, with its number moved past the injected ones. */
  outgoing(bytes: Uint8Array): Uint8Array {
    const seq = readSeq(bytes);
    if (seq === undefined || this.#shift === 0) {
      if (seq !== undefined) this.#next = Math.max(this.#next, seq + 1);
      return bytes;
    }
    const mapped = (seq + this.#shift) >>> 0;
    this.#next = Math.max(this.#next, mapped + 1);
    return withSeq(mapped, bytes.subarray(SEQ_PREFIX_BYTES));
  }

  /** The next frame on the wire: an encoded data frame (event, request, response, fragment), numbered. */
  inject(frame: Uint8Array): Uint8Array<ArrayBuffer> {
    this.#shift++;
    return withSeq(this.#next++, frame);
  }

  /**
   * A frame arriving for the link on its events lane: an ack or resume counts the injected
   * frames too, so it is mapped back (low rather than high: an acknowledgement of too little
   * only costs a resend, one of too much would lose a frame).
   */
  incoming(bytes: Uint8Array): Uint8Array {
    if (this.#shift === 0 || bytes[0] !== 0x92 || (bytes[1] !== FrameKind.Ack && bytes[1] !== FrameKind.Resume)) return bytes;
    const [kind, next] = unpack(bytes) as [number, number];
    return pack([kind, Math.max(0, next - this.#shift)]);
  }
}
