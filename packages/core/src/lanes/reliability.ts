/**
 * The events lane's reliability, above whichever path carries it: every data frame goes out
 * behind a sequence number and is kept until the peer acknowledges it, so when the link moves to
 * another path (a new connection, the lobby relay), what the old one lost is sent again on the
 * new one and what it delivered twice is dropped (see wire/frames.ts). The receiving half
 * delivers frames in sequence only, acknowledges them, and asks for the rest from a gap.
 */
import type { Bytes } from '../wire/codec.js';
import { InvalidMessageError } from '../errors.js';
import type { LaneChannel } from '../paths/types.js';
import { FrameKind, SEQ_PREFIX_BYTES, readSeq, seqDiff, withSeq } from '../wire/frames.js';

/** The receiver acknowledges after this many data frames or bytes (and at every heartbeat). */
const ACK_EVERY_FRAMES = 32;
const ACK_EVERY_BYTES = 64 * 1024;
/** Heartbeats without any acknowledgement, with data outstanding and nothing buffered, before it is all sent again. */
const RESEND_AFTER_TICKS = 2;
/** A gap asks for a resend at most this often (the frames behind it keep arriving meanwhile). */
const GAP_RESUME_INTERVAL_MS = 200;

interface Retained {
  seq: number;
  bytes: Uint8Array<ArrayBuffer>;
}

const EMPTY_RETAINED: Retained = { seq: 0, bytes: new Uint8Array(0) };

export interface ReliabilityDeps {
  /** The channel of the path the lane sends on now. */
  channel(): LaneChannel | null;
  /** Send bytes on a channel (counted and conditioned by the lane). */
  send(channel: LaneChannel, bytes: Bytes): void;
  /** Encode and send a control frame (ack, resume) on a channel. */
  control(channel: LaneChannel, frame: readonly unknown[]): void;
  isClosed(): boolean;
  bad(error: Error): void;
  /** Acknowledged frames made room: send what waits. */
  released(): void;
}

/** What became of an arriving frame: its payload to read, or nothing more to do. */
export type Arrival = { payload: Uint8Array; sequenced: boolean } | null;

export class Reliability {
  /** Sequence number of the next data frame sent, and of the next one the peer's side must deliver. */
  #nextOut = 0;
  #nextIn = 0;
  /** Data frames sent and not acknowledged, oldest first, from `#retainedHead`. */
  #retained: Retained[] = [];
  #retainedHead = 0;
  retainedBytes = 0;
  /** Received and not yet acknowledged. */
  #unackedFrames = 0;
  #unackedBytes = 0;
  #ticksWithoutAck = 0;
  #lastGapResume: { next: number; atMs: number } | null = null;
  /** Data frames sent again: after a path change, a gap, or silence. */
  retransmitted = 0;
  /** Data frames that arrived a second time (a resend overlapping what the old path delivered). */
  duplicates = 0;

  constructor(private readonly deps: ReliabilityDeps) {}

  /** The resume frame that asks the peer for everything from the first frame not yet here. */
  resumeFrame(): readonly unknown[] {
    return [FrameKind.Resume, this.#nextIn];
  }

  /** A data frame: numbered, kept until acknowledged; returns the bytes to send. */
  number(frame: Bytes): Bytes {
    const bytes = withSeq(this.#nextOut, frame);
    this.#retained.push({ seq: this.#nextOut, bytes });
    this.retainedBytes += bytes.byteLength;
    this.#nextOut = (this.#nextOut + 1) >>> 0;
    return bytes;
  }

  /**
   * A message from the peer on `channel`: an unnumbered (control) frame passes as it is; a
   * numbered one is delivered only in sequence: an old one is a duplicate, one past a gap asks
   * for the rest again.
   */
  arrive(bytes: Uint8Array, channel: LaneChannel): Arrival {
    const seq = readSeq(bytes);
    if (seq === undefined) return { payload: bytes, sequenced: false };
    const ahead = seqDiff(seq, this.#nextIn);
    if (ahead < 0) {
      // The sender did not hear our acknowledgement (or resent after a path change): say it again.
      this.duplicates++;
      this.#unackedFrames = Math.max(this.#unackedFrames, 1);
      return null;
    }
    if (ahead > 0) {
      this.#askFromGap(channel);
      return null;
    }
    this.#nextIn = (this.#nextIn + 1) >>> 0;
    this.#unackedFrames++;
    this.#unackedBytes += bytes.byteLength;
    if (this.#unackedFrames >= ACK_EVERY_FRAMES || this.#unackedBytes >= ACK_EVERY_BYTES) this.#ack();
    return { payload: bytes.subarray(SEQ_PREFIX_BYTES), sequenced: true };
  }

  /**
   * Once a heartbeat: acknowledge what arrived since the last acknowledgement, and send again
   * what the peer has not acknowledged for a while, if nothing is waiting in the channel (what is
   * still buffered here has not reached the peer, so its silence says nothing about it).
   */
  tick(): void {
    if (this.#unackedFrames > 0) this.#ack();
    if (this.#retainedHead >= this.#retained.length) {
      this.#ticksWithoutAck = 0;
      return;
    }
    if (++this.#ticksWithoutAck <= RESEND_AFTER_TICKS || (this.deps.channel()?.bufferedAmount ?? 1) > 0) return;
    this.#ticksWithoutAck = 0;
    this.resendFrom(this.#retained[this.#retainedHead]!.seq);
  }

  /** The peer has every frame before `next`: forget them. False (and reported) for a `next` never sent. */
  acknowledged(next: number): boolean {
    if (seqDiff(next, this.#nextOut) > 0) {
      this.deps.bad(new InvalidMessageError('events', `acknowledges frame ${next}, which was never sent`));
      return false;
    }
    let released = false;
    while (this.#retainedHead < this.#retained.length && seqDiff(this.#retained[this.#retainedHead]!.seq, next) < 0) {
      const old = this.#retained[this.#retainedHead]!;
      this.#retained[this.#retainedHead++] = EMPTY_RETAINED;
      this.retainedBytes -= old.bytes.byteLength;
      released = true;
    }
    if (this.#retainedHead === this.#retained.length) {
      this.#retained = [];
      this.#retainedHead = 0;
    } else if (this.#retainedHead > 1024 && this.#retainedHead * 2 > this.#retained.length) {
      this.#retained = this.#retained.slice(this.#retainedHead);
      this.#retainedHead = 0;
    }
    if (released) {
      this.#ticksWithoutAck = 0;
      this.deps.released();
    }
    return true;
  }

  /** Sends every kept frame from `next` on again, on the current path. */
  resendFrom(next: number): void {
    const channel = this.deps.channel();
    if (channel === null || this.deps.isClosed()) return;
    for (let i = this.#retainedHead; i < this.#retained.length; i++) {
      const frame = this.#retained[i]!;
      if (seqDiff(frame.seq, next) < 0) continue;
      this.retransmitted++;
      this.deps.send(channel, frame.bytes);
    }
  }

  clear(): void {
    this.#retained = [];
    this.#retainedHead = 0;
    this.retainedBytes = 0;
  }

  #ack(): void {
    this.#unackedFrames = 0;
    this.#unackedBytes = 0;
    const channel = this.deps.channel();
    if (channel !== null) this.deps.control(channel, [FrameKind.Ack, this.#nextIn]);
  }

  /** A frame past a gap arrived (the path lost some): ask for the rest again, on the path it came by. */
  #askFromGap(channel: LaneChannel): void {
    const now = performance.now();
    const last = this.#lastGapResume;
    if (last !== null && last.next === this.#nextIn && now - last.atMs < GAP_RESUME_INTERVAL_MS) return;
    this.#lastGapResume = { next: this.#nextIn, atMs: now };
    this.deps.control(channel, this.resumeFrame());
  }
}
