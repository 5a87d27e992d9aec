/**
 * One class per failure, each with a stable `name` that survives minification, a default message
 * and an optional `cause`. Match on `error.name` (or `instanceof` within one bundle).
 */

import type { Lane } from './paths/types.js';

/** Longest piece of untrusted text an error message quotes. */
const QUOTE_MAX_CHARS = 64;

/**
 * A short, safe description of a value that came from the peer, for error messages: bounded in
 * length and never walking into the value (a hostile one can be huge, cyclic or hold BigInts,
 * which JSON.stringify throws on).
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value.length > QUOTE_MAX_CHARS ? `${JSON.stringify(value.slice(0, QUOTE_MAX_CHARS))}… (${value.length} characters)` : JSON.stringify(value);
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'bigint':
      return value >= -(10n ** 20n) && value <= 10n ** 20n ? `${value}n` : 'a bigint';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return `an array of ${value.length}`;
      if (ArrayBuffer.isView(value)) return `${value.byteLength} bytes`;
      return 'an object';
    default:
      return typeof value;
  }
}

/** Untrusted text quoted in a message, bounded. */
const quote = (text: string, maxChars = QUOTE_MAX_CHARS): string => (text.length > maxChars ? `${text.slice(0, maxChars)}…` : text);

abstract class RallypointError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(withCause(message, options?.cause), options);
  }
}

/**
 * `message`, followed by what its cause says when it does not say it already: a log line or a
 * console that shows only `message` still shows why (the cause itself stays on `error.cause`).
 */
export function withCause(message: string, cause: unknown): string {
  const said = cause instanceof Error ? cause.message : typeof cause === 'string' ? cause : '';
  return said === '' || message.includes(said) ? message : `${message}: ${quote(said)}`;
}

/** The link closed (or was never usable) before the operation could finish. */
export class LinkClosedError extends RallypointError {
  override readonly name = 'LinkClosedError';
  constructor(message = 'The link is closed', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** No answer to `request()` within its `timeoutMs`. */
export class RequestTimeoutError extends RallypointError {
  override readonly name = 'RequestTimeoutError';
  constructor(
    readonly requestName: string,
    readonly timeoutMs: number,
  ) {
    super(`Request "${requestName}" got no response within ${timeoutMs} ms`);
  }
}

/** Why the remote side refused a request. */
export type RemoteRequestFailure = 'no-handler' | 'handler-failed';

/** The remote side answered a request with a failure (no handler, or its handler threw). */
export class RemoteRequestError extends RallypointError {
  override readonly name = 'RemoteRequestError';
  constructor(
    readonly requestName: string,
    readonly failure: RemoteRequestFailure,
    readonly remoteMessage: string,
  ) {
    super(`Request "${quote(requestName)}" failed on the remote side (${failure}): ${quote(remoteMessage)}`);
  }
}

/** The two sides speak different link protocol versions. */
export class ProtocolVersionMismatchError extends RallypointError {
  override readonly name = 'ProtocolVersionMismatchError';
  constructor(
    readonly localVersion: number,
    readonly remoteVersion: unknown,
  ) {
    super(`Link protocol version mismatch: local ${localVersion}, remote ${describeValue(remoteVersion)}`);
  }
}

/** The remote's hello could not be understood, so the link cannot open. */
export class HandshakeError extends RallypointError {
  override readonly name = 'HandshakeError';
  constructor(message = 'The remote hello was malformed', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Bytes from the peer that do not decode as msgpack at all, or hold more than the link's decode
 * limits allow (then `cause` is a `MsgpackGuardError` that says which).
 */
export class MalformedMessageError extends RallypointError {
  override readonly name = 'MalformedMessageError';
  constructor(
    readonly lane: Lane,
    options?: { cause?: unknown },
  ) {
    const why = options?.cause instanceof Error ? `: ${quote(options.cause.message, 2 * QUOTE_MAX_CHARS)}` : '';
    super(`Malformed message on the ${lane} lane${why}`, options);
  }
}

/** A well-formed message whose kind this side does not know. */
export class UnknownMessageKindError extends RallypointError {
  override readonly name = 'UnknownMessageKindError';
  constructor(
    readonly lane: Lane,
    readonly kind: unknown,
  ) {
    super(`Unknown message kind ${describeValue(kind)} on the ${lane} lane`);
  }
}

/** A message of a known kind with the wrong shape (missing or mistyped fields). */
export class InvalidMessageError extends RallypointError {
  override readonly name = 'InvalidMessageError';
  constructor(
    readonly lane: Lane,
    readonly detail: string,
  ) {
    super(`Invalid message on the ${lane} lane: ${detail}`);
  }
}

/** A fragmented event that cannot be reassembled (gap, overflow, too many in flight). */
export class FragmentError extends RallypointError {
  override readonly name = 'FragmentError';
  constructor(readonly detail: string) {
    super(`Fragmented event dropped: ${detail}`);
  }
}

/** A message too large for its lane: refused before sending, or dropped on receipt. */
export class MessageTooLargeError extends RallypointError {
  override readonly name = 'MessageTooLargeError';
  constructor(
    readonly lane: Lane,
    readonly bytes: number,
    readonly limitBytes: number,
  ) {
    super(`A ${bytes}-byte message exceeds the ${lane} lane limit of ${limitBytes} bytes`);
  }
}

/**
 * The link's send queue is over `maxQueuedBytes`: thrown by `emit()` / `request()`, or reported
 * when an answer to the peer's request could not be queued (a peer that sends requests and does
 * not read the answers). Slow down, or wait for the link's `drain` event.
 */
export class SendBufferFullError extends RallypointError {
  override readonly name = 'SendBufferFullError';
  constructor(
    readonly queuedBytes: number,
    readonly limitBytes: number,
  ) {
    super(`The events lane has ${queuedBytes} bytes queued; the limit is ${limitBytes}`);
  }
}

/**
 * More than `maxPendingRequests` requests without an answer: `request()` rejects with it when
 * ours are, and it is reported (the request dropped, unanswered) when the peer's are.
 */
export class TooManyRequestsError extends RallypointError {
  override readonly name = 'TooManyRequestsError';
  constructor(
    readonly direction: 'outgoing' | 'incoming',
    readonly limit: number,
  ) {
    super(`More than ${limit} ${direction} requests await an answer`);
  }
}

/** A listener or request handler supplied by the game threw; the link carries on. */
export class HandlerError extends RallypointError {
  override readonly name = 'HandlerError';
  constructor(
    readonly handler: string,
    options?: { cause?: unknown },
  ) {
    super(`Handler for "${quote(handler)}" threw`, options);
  }
}

/** Signaling data handed to `link.signal()` that is not a signal this link can use. */
export class InvalidSignalError extends RallypointError {
  override readonly name = 'InvalidSignalError';
  constructor(message = 'Invalid signal data', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The peer went silent for longer than `heartbeatTimeoutMs`. */
export class HeartbeatTimeoutError extends RallypointError {
  override readonly name = 'HeartbeatTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`No traffic from the peer for ${timeoutMs} ms`);
  }
}

/** The link did not open within `connectTimeoutMs`. */
export class ConnectTimeoutError extends RallypointError {
  override readonly name = 'ConnectTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`The link did not open within ${timeoutMs} ms`);
  }
}

/** The WebRTC connection failed (ICE, DTLS or a data channel error). */
export class ConnectionFailedError extends RallypointError {
  override readonly name = 'ConnectionFailedError';
  constructor(message = 'The WebRTC connection failed', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The link cannot carry media: its RTCPeerConnection has no tracks (node-datachannel's has none),
 * or the track was never added, or is added already.
 */
export class LinkMediaError extends RallypointError {
  override readonly name = 'LinkMediaError';
  constructor(message = 'This link cannot carry media', options?: { cause?: unknown }) {
    super(message, options);
  }
}
