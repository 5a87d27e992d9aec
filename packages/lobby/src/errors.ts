import { withCause } from '@rallypoint/core';
import { LobbyCloseCode, LobbyErrorCode, lobbyErrorName } from '@rallypoint/protocol';

/** Base of every lobby error: `code` is the protocol's `LobbyErrorCode` when the server sent one. */
export class LobbyError extends Error {
  override name = 'LobbyError';
  constructor(
    message: string,
    readonly code?: number,
    options?: { cause?: unknown },
  ) {
    super(withCause(message, options?.cause), options);
  }
}

/** No live room has this code (or it is not a code at all). */
export class RoomNotFoundError extends LobbyError {
  override name = 'RoomNotFoundError';
  constructor(code: string, options?: { cause?: unknown }) {
    super(`no room with code ${code}`, LobbyErrorCode.RoomNotFound, options);
  }
}

/** The room has as many players as it takes. */
export class RoomFullError extends LobbyError {
  override name = 'RoomFullError';
  constructor(code: string, options?: { cause?: unknown }) {
    super(`room ${code} is full`, LobbyErrorCode.RoomFull, options);
  }
}

/** The room exists but takes nobody now. */
export class RoomClosedError extends LobbyError {
  override name = 'RoomClosedError';
  constructor(code: string, options?: { cause?: unknown }) {
    super(`room ${code} is closed to new players`, LobbyErrorCode.RoomClosed, options);
  }
}

/**
 * The server would not let this member back into its room after a restart: it could not check the
 * member's restore token (it restarted with another restore secret, or none), or the token is not
 * this member's. The room is gone for this session.
 */
export class RestoreRefusedError extends LobbyError {
  override name = 'RestoreRefusedError';
  constructor(code: string, options?: { cause?: unknown }) {
    super(`the lobby server refused to restore room ${code} (a restart without the same --restore-secret?)`, LobbyErrorCode.RestoreRefused, options);
  }
}

/** Create or join options the server (or this client, first) refused. */
export class InvalidOptionsError extends LobbyError {
  override name = 'InvalidOptionsError';
}

/** The server refused one of our messages (malformed, unknown, too large, over budget). */
export class MessageRefusedError extends LobbyError {
  override name = 'MessageRefusedError';
}

/** A signal to a member who is not in our room (left, or never was). Nothing was delivered. */
export class SignalTargetUnknownError extends LobbyError {
  override name = 'SignalTargetUnknownError';
}

/**
 * The server did not forward a relay frame: relaying is off, the member is over its relay budget,
 * or the recipient is gone. The link's events lane sends what was dropped again.
 */
export class RelayRefusedError extends LobbyError {
  override name = 'RelayRefusedError';
}

/**
 * The lobby turned the request down: this address made too many (matchmaking, room look-ups or
 * rooms created) in a short time. `retryAfterSeconds` says when it may ask again.
 */
export class LobbyRateLimitedError extends LobbyError {
  override name = 'LobbyRateLimitedError';
  constructor(
    message: string,
    /** Seconds until the address may ask again (the server's `Retry-After`). */
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(message, LobbyErrorCode.RateLimited, options);
  }
}

/**
 * The lobby server already has as many connections from this address as it allows (its
 * `--connections-per-address`; many players behind one NAT, or a reverse proxy the server does
 * not know it is behind). The message names the flag to raise. Try again once a connection closes.
 */
export class TooManyConnectionsError extends LobbyError {
  override name = 'TooManyConnectionsError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, LobbyErrorCode.TooManyConnections, options);
  }
}

/** Only the host may do that (lock the room). */
export class NotHostError extends LobbyError {
  override name = 'NotHostError';
}

/** The lobby server could not be reached, or closed our connection for good. */
export class LobbyUnavailableError extends LobbyError {
  override name = 'LobbyUnavailableError';
}

/**
 * There is no WebRTC here to link players with: in Node, import `createLobby` from
 * `@rallypoint/lobby/node` (node-datachannel), or pass `createLink`.
 */
export class WebRtcUnavailableError extends LobbyError {
  override name = 'WebRtcUnavailableError';
  constructor() {
    super('no WebRTC here (no RTCPeerConnection): in Node, import { createLobby } from "@rallypoint/lobby/node", or pass createLink');
  }
}

/**
 * The lobby does not let pages from this page's origin use it: its `--allow-origins` does not
 * list the origin. Add the game's origin there (a page the lobby serves itself is always let in).
 */
export class OriginRefusedError extends LobbyError {
  override name = 'OriginRefusedError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, LobbyErrorCode.OriginRefused, options);
  }
}

/** The session was left; it sends nothing more. */
export class SessionClosedError extends LobbyError {
  override name = 'SessionClosedError';
  constructor() {
    super('the room session is closed');
  }
}

/** HTTP's "Too Many Requests", as colyseus.js reports a matchmaking request the server turned down. */
export const HTTP_TOO_MANY_REQUESTS = 429;
/** HTTP's "Service Unavailable": the lobby process is shutting down, or its Redis is away. */
export const HTTP_UNAVAILABLE = 503;
/** HTTP's "Forbidden": on matchmaking, the lobby's `--allow-origins` does not list the page's origin. */
export const HTTP_FORBIDDEN = 403;

/**
 * A 429 from the lobby as a named error: too many connections from this address (the server says
 * so in words, as colyseus.js keeps only the status), or too many requests, with the wait its
 * message gives (the server's `Retry-After`).
 */
export function tooManyRequests(message: string, options?: { cause?: unknown }): LobbyRateLimitedError | TooManyConnectionsError {
  if (/^too many connections from this address/.test(message)) return new TooManyConnectionsError(message, options);
  const seconds = Number(/try again in (\d+) s/.exec(message)?.[1] ?? 1);
  return new LobbyRateLimitedError(message, seconds, options);
}

/** The named error for an `error` message or a matchmaking failure carrying a protocol code. */
export function errorFromCode(code: number, message: string, roomCode = '?'): LobbyError {
  switch (code) {
    case LobbyErrorCode.RoomNotFound:
      return new RoomNotFoundError(roomCode);
    case LobbyErrorCode.RoomFull:
      return new RoomFullError(roomCode);
    case LobbyErrorCode.RoomClosed:
    case LobbyErrorCode.ServerShuttingDown:
      return new RoomClosedError(roomCode);
    case LobbyErrorCode.RestoreRefused:
      return new RestoreRefusedError(roomCode);
    case LobbyErrorCode.InvalidRoomOptions:
    case LobbyErrorCode.InvalidJoinOptions:
      return new InvalidOptionsError(message, code);
    case LobbyErrorCode.SignalTargetUnknown:
      return new SignalTargetUnknownError(message, code);
    case LobbyErrorCode.NotHost:
      return new NotHostError(message, code);
    case LobbyErrorCode.RelayRefused:
      return new RelayRefusedError(message, code);
    case LobbyErrorCode.LobbyUnavailable:
      return new LobbyUnavailableError(message, code);
    case LobbyErrorCode.OriginRefused:
      return new OriginRefusedError(message);
    case LobbyErrorCode.TooManyConnections:
    case LobbyCloseCode.TooManyConnections:
      return new TooManyConnectionsError(message);
    case LobbyErrorCode.InvalidMessage:
    case LobbyErrorCode.UnknownMessageType:
    case LobbyErrorCode.MessageTooLarge:
    case LobbyErrorCode.RateLimited:
    case LobbyErrorCode.UndecodableMessage:
      return new MessageRefusedError(`${lobbyErrorName(code)}: ${message}`, code);
    default:
      return new LobbyError(message, code);
  }
}

/** Voice chat could not start (see the subclasses); the game and its links are untouched. */
export class VoiceError extends LobbyError {
  override name = 'VoiceError';
}

/** The player (or the browser's settings) refused the microphone. */
export class MicrophoneDeniedError extends VoiceError {
  override name = 'MicrophoneDeniedError';
  constructor(options?: { cause?: unknown }) {
    super('the microphone was refused (the player said no, or the browser blocks it here)', undefined, options);
  }
}

/** There is no microphone (or none with the `deviceId` asked for). */
export class NoMicrophoneError extends VoiceError {
  override name = 'NoMicrophoneError';
  constructor(deviceId?: string, options?: { cause?: unknown }) {
    super(deviceId === undefined ? 'no microphone found' : `no microphone with device id ${deviceId}`, undefined, options);
  }
}

/**
 * No microphone API here: not a browser, or a page that is not a secure context (getUserMedia
 * needs https, or http on localhost).
 */
export class VoiceUnsupportedError extends VoiceError {
  override name = 'VoiceUnsupportedError';
  constructor() {
    super('no microphone API here (navigator.mediaDevices): voice needs a browser page on https or localhost');
  }
}

/**
 * What went wrong, in words, whatever was thrown: an Error's message (with its cause's, as Node's
 * fetch puts the socket error there), or for what a browser rejects with when a request gets no
 * answer (the XMLHttpRequest or event itself, no message), a sentence saying so. Never "undefined".
 */
export function describeCause(error: unknown): string {
  if (typeof error !== 'object' || error === null) return error === undefined ? 'no reason given' : String(error);
  const e = error as { message?: unknown; reason?: unknown; type?: unknown; status?: unknown; code?: unknown; cause?: unknown };
  const own = nonEmpty(e.message) ?? nonEmpty(e.reason);
  if (own !== undefined) {
    const inner = e.cause !== undefined && e.cause !== error ? describeCause(e.cause) : undefined;
    return inner === undefined || inner === 'no reason given' || own.includes(inner) ? own : `${own} (${inner})`;
  }
  // A browser's failed XMLHttpRequest (status 0) or its error event: no answer came.
  if (e.status === 0 || e.type === 'error') return 'no answer: the server is down or unreachable, or the browser refused the request (mixed content, CORS, certificate)';
  if (typeof e.code === 'number' || typeof e.code === 'string') return `code ${e.code}`;
  return `${error.constructor?.name ?? 'an object'} with no message`;
}

const nonEmpty = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' && value !== 'undefined' ? value : undefined);
