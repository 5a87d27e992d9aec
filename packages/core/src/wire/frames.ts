/**
 * The link's wire format. Every frame on either lane is one msgpack array whose first element is
 * the frame kind, so a frame is encoded in one pass with no header copy, and every frame decodes
 * on its own (see codec.ts).
 *
 *   events lane (reliable, ordered)          state lane (unreliable, unordered)
 *   [Hello, version, structures, maxMsg,     [State, seq, sentAtUs, payload]
 *          epochMs, elapsedUs]               [Ping, seq, sentAtUs]
 *   [Event, name, payload]                   [Pong, seq, sentAtUs, echoUs]
 *   [Request, id, name, payload]
 *   [Response, id, ok, payload | [failure, message]]
 *   [Fragment, messageId, index, count, bytes]
 *   [Bye, reason]
 *   [Ack, next]
 *   [Resume, next]                           [Probe, sentAtUs]        a path's round trip,
 *                                            [ProbeAnswer, sentAtUs]  answered on that path
 *                                                                     (link/probes.ts)
 *
 * Events, requests, responses and fragments (the data frames) go out behind a sequence number: a
 * msgpack u32 (0xce and four bytes) before the frame array, so a frame is still msgpack values and
 * the prefix can never be taken for a frame. The receiver takes them in sequence, exactly once:
 * a number it had is dropped, one past a gap asks for a resend. `[Ack, next]` says every number
 * before `next` arrived (the sender forgets them); `[Resume, next]` asks the sender to send from
 * `next` on, on the path the Resume came by. That is what carries the events lane across a change
 * of path (a new connection, the lobby relay) without losing or doubling an event.
 *
 * `seq` counts every state-lane frame a side sends (for loss); `sentAtUs` is the sender's clock in
 * microseconds since its link was created, modulo 2^32 (unwrapped by the receiver, see
 * remote-clock.ts).
 */
import { InvalidMessageError, UnknownMessageKindError } from '../errors.js';
import type { Lane } from '../paths/types.js';

/**
 * Bumped on any incompatible change to the frames above, or to the link's signals (3: path
 * probes; 4: racing connections, whose `chosen` signal an older link cannot read).
 */
export const LINK_PROTOCOL_VERSION = 4;

/** The kind of each frame on the wire (the first element of every frame array). */
export const FrameKind = {
  Hello: 1,
  Event: 2,
  Request: 3,
  Response: 4,
  Fragment: 5,
  Bye: 6,
  Ack: 7,
  Resume: 8,
  State: 16,
  Ping: 17,
  Pong: 18,
  /** Path probes: handled by the link (link/probes.ts) before the state lane sees them. */
  Probe: 19,
  ProbeAnswer: 20,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export const RequestFailure = { NoHandler: 'no-handler', HandlerFailed: 'handler-failed' } as const;

export type HelloFrame = {
  kind: typeof FrameKind.Hello;
  version: number;
  structures: string[][];
  maxMessageSize: number;
  epochMs: number;
  elapsedUs: number;
};
export type EventFrame = { kind: typeof FrameKind.Event; name: string; payload: unknown };
export type RequestFrame = { kind: typeof FrameKind.Request; id: number; name: string; payload: unknown };
export type ResponseFrame =
  | { kind: typeof FrameKind.Response; id: number; ok: true; payload: unknown }
  | { kind: typeof FrameKind.Response; id: number; ok: false; failure: string; message: string };
export type FragmentFrame = {
  kind: typeof FrameKind.Fragment;
  messageId: number;
  index: number;
  count: number;
  bytes: Uint8Array;
};
export type ByeFrame = { kind: typeof FrameKind.Bye; reason: string };
export type AckFrame = { kind: typeof FrameKind.Ack | typeof FrameKind.Resume; next: number };
export type StateFrame = { kind: typeof FrameKind.State; seq: number; sentAtUs: number; payload: unknown };
export type PingFrame = { kind: typeof FrameKind.Ping; seq: number; sentAtUs: number };
export type PongFrame = { kind: typeof FrameKind.Pong; seq: number; sentAtUs: number; echoUs: number };

export type EventsLaneFrame = HelloFrame | EventFrame | RequestFrame | ResponseFrame | FragmentFrame | ByeFrame | AckFrame;

/** Frames that travel behind a sequence number (see above); the rest are control frames. */
export function isDataFrame(kind: EventsLaneFrame['kind']): boolean {
  return kind === FrameKind.Event || kind === FrameKind.Request || kind === FrameKind.Response || kind === FrameKind.Fragment;
}

/** Bytes of the sequence number in front of a data frame. */
export const SEQ_PREFIX_BYTES = 5;
const SEQ_MARKER = 0xce; // msgpack uint 32

/** The data frame behind its sequence number, in bytes of their own. */
export function withSeq(seq: number, frame: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(frame.byteLength + SEQ_PREFIX_BYTES);
  out[0] = SEQ_MARKER;
  new DataView(out.buffer).setUint32(1, seq);
  out.set(frame, SEQ_PREFIX_BYTES);
  return out;
}

/** The sequence number in front of a data frame, or undefined for a control frame. */
export function readSeq(bytes: Uint8Array): number | undefined {
  if (bytes[0] !== SEQ_MARKER || bytes.byteLength <= SEQ_PREFIX_BYTES) return undefined;
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1);
}

/** `a - b` for sequence numbers that wrap at 2^32: negative when `a` is older. */
export const seqDiff = (a: number, b: number): number => (a - b) | 0;
export type StateLaneFrame = StateFrame | PingFrame | PongFrame;

/** Limits on what a remote hello may declare; keeps a hostile peer from making us allocate. */
export const MAX_STRUCTURES = 32;
export const MAX_STRUCTURE_KEYS = 64;
export const MAX_KEY_LENGTH = 128;
/** Smallest max message size a hello may declare (0: unknown, use the default). */
export const MIN_MESSAGE_SIZE = 1024;

const U32 = 0x1_0000_0000;
const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isU32 = (v: unknown): v is number => isUint(v) && v < U32;

export function isStructureList(value: unknown): value is string[][] {
  return (
    Array.isArray(value) &&
    value.length <= MAX_STRUCTURES &&
    value.every(
      (keys) =>
        Array.isArray(keys) &&
        keys.length > 0 &&
        keys.length <= MAX_STRUCTURE_KEYS &&
        keys.every((k) => typeof k === 'string' && k.length <= MAX_KEY_LENGTH),
    )
  );
}

type Parsed<F> = F | InvalidMessageError | UnknownMessageKindError;

/** Turns a decoded events-lane value into a frame, or says precisely what is wrong with it. */
export function parseEventsFrame(value: unknown): Parsed<EventsLaneFrame> {
  const lane: Lane = 'events';
  if (!Array.isArray(value) || value.length === 0) return new InvalidMessageError(lane, 'not a frame array');
  const [kind, a, b, c, d, e] = value as unknown[];
  const bad = (detail: string) => new InvalidMessageError(lane, detail);
  switch (kind) {
    case FrameKind.Hello:
      if (!isUint(a)) return bad('hello without a version');
      if (!isStructureList(b)) return bad('hello with invalid structures');
      // A max message size under the fragment overhead would leave fragments no room for data.
      if (!isUint(c) || (c !== 0 && c < MIN_MESSAGE_SIZE)) return bad('hello with an invalid max message size');
      if (typeof d !== 'number' || !Number.isFinite(d) || !isU32(e)) return bad('hello with an invalid clock');
      return { kind, version: a, structures: b, maxMessageSize: c, epochMs: d, elapsedUs: e };
    case FrameKind.Event:
      if (value.length !== 3 || typeof a !== 'string') return bad('event needs [kind, name, payload]');
      return { kind, name: a, payload: b };
    case FrameKind.Request:
      if (value.length !== 4 || !isU32(a) || typeof b !== 'string') return bad('request needs [kind, id, name, payload]');
      return { kind, id: a, name: b, payload: c };
    case FrameKind.Response:
      if (value.length !== 4 || !isU32(a) || typeof b !== 'boolean') return bad('response needs [kind, id, ok, payload]');
      if (b) return { kind, id: a, ok: true, payload: c };
      if (!Array.isArray(c) || typeof c[0] !== 'string' || typeof c[1] !== 'string') return bad('failed response without a reason');
      return { kind, id: a, ok: false, failure: c[0], message: c[1] };
    case FrameKind.Fragment:
      if (value.length !== 5 || !isU32(a) || !isU32(b) || !isU32(c) || !(d instanceof Uint8Array)) {
        return bad('fragment needs [kind, messageId, index, count, bytes]');
      }
      if (c < 2 || b >= c) return bad(`fragment index ${b} of ${c}`);
      return { kind, messageId: a, index: b, count: c, bytes: d };
    case FrameKind.Bye:
      return { kind, reason: typeof a === 'string' ? a.slice(0, 64) : 'unknown' };
    case FrameKind.Ack:
    case FrameKind.Resume:
      if (value.length !== 2 || !isU32(a)) return bad(`${kind === FrameKind.Ack ? 'ack' : 'resume'} needs [kind, next]`);
      return { kind, next: a };
    default:
      return new UnknownMessageKindError(lane, kind);
  }
}

/** Turns a decoded state-lane value into a frame, or says precisely what is wrong with it. */
export function parseStateFrame(value: unknown): Parsed<StateLaneFrame> {
  const lane: Lane = 'state';
  if (!Array.isArray(value) || value.length === 0) return new InvalidMessageError(lane, 'not a frame array');
  const [kind, seq, sentAtUs, extra] = value as unknown[];
  if (kind !== FrameKind.State && kind !== FrameKind.Ping && kind !== FrameKind.Pong) {
    return new UnknownMessageKindError(lane, kind);
  }
  if (!isU32(seq) || !isU32(sentAtUs)) return new InvalidMessageError(lane, 'header needs a u32 seq and timestamp');
  switch (kind) {
    case FrameKind.State:
      if (value.length !== 4) return new InvalidMessageError(lane, 'state needs [kind, seq, sentAtUs, payload]');
      return { kind, seq, sentAtUs, payload: extra };
    case FrameKind.Ping:
      if (value.length !== 3) return new InvalidMessageError(lane, 'ping needs [kind, seq, sentAtUs]');
      return { kind, seq, sentAtUs };
    case FrameKind.Pong:
      if (value.length !== 4 || !isU32(extra)) return new InvalidMessageError(lane, 'pong needs [kind, seq, sentAtUs, echoUs]');
      return { kind, seq, sentAtUs, echoUs: extra };
  }
}

/** Microsecond timestamps travel modulo 2^32. */
export const wrapU32 = (n: number): number => ((Math.round(n) % U32) + U32) % U32;
