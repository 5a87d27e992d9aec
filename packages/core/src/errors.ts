/**
 * One class per failure, each with a stable `name` that survives minification, a default message
 * and an optional `cause`. Match on `error.name` (or `instanceof` within one bundle).
 */

export type Lane = 'state' | 'events';

abstract class RallypointError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
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
    super(`Request "${requestName}" failed on the remote side (${failure}): ${remoteMessage}`);
  }
}

/** The two sides speak different link protocol versions. */
export class ProtocolVersionMismatchError extends RallypointError {
  override readonly name = 'ProtocolVersionMismatchError';
  constructor(
    readonly localVersion: number,
    readonly remoteVersion: unknown,
  ) {
    super(`Link protocol version mismatch: local ${localVersion}, remote ${String(remoteVersion)}`);
  }
}

/** The remote's hello could not be understood, so the link cannot open. */
export class HandshakeError extends RallypointError {
  override readonly name = 'HandshakeError';
  constructor(message = 'The remote hello was malformed', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Bytes from the peer that do not decode as msgpack at all. */
export class MalformedMessageError extends RallypointError {
  override readonly name = 'MalformedMessageError';
  constructor(
    readonly lane: Lane,
    options?: { cause?: unknown },
  ) {
    super(`Malformed message on the ${lane} lane`, options);
  }
}

/** A well-formed message whose kind this side does not know. */
export class UnknownMessageKindError extends RallypointError {
  override readonly name = 'UnknownMessageKindError';
  constructor(
    readonly lane: Lane,
    readonly kind: unknown,
  ) {
    super(`Unknown message kind ${JSON.stringify(kind) ?? String(kind)} on the ${lane} lane`);
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

/** A listener or request handler supplied by the game threw; the link carries on. */
export class HandlerError extends RallypointError {
  override readonly name = 'HandlerError';
  constructor(
    readonly handler: string,
    options?: { cause?: unknown },
  ) {
    super(`Handler for "${handler}" threw`, options);
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
