import { ClientState, Protocol, type Client } from '@colyseus/core';
import { decode } from '@colyseus/schema';
import { LobbyCloseCode, LobbyErrorCode, LobbyLimits, RELAY_MESSAGE, ServerMessage, type ErrorPayload } from '@rallypoint/protocol';
import type { Logger } from 'pino';
import type { MessageDecoder } from './decode.js';
import type { ClientGuard, RefusalReason } from './guard.js';
import type { Metrics } from './metrics.js';

/** What every room of this server needs from the server around it. */
export interface RoomContext {
  logger: Logger;
  metrics: Metrics;
  now: () => number;
  decode: MessageDecoder;
}

/** A decoded client message, not yet validated against its type's schema. */
export interface ScreenedMessage {
  type: string;
  payload: unknown;
}

const errorCodeFor: Record<RefusalReason, ErrorPayload['code']> = {
  rate_limited: LobbyErrorCode.RateLimited,
  too_large: LobbyErrorCode.MessageTooLarge,
  undecodable: LobbyErrorCode.UndecodableMessage,
  unknown_type: LobbyErrorCode.UnknownMessageType,
  invalid: LobbyErrorCode.InvalidMessage,
};

/** A relay frame, still encoded (see relay.ts): it has a budget of its own, not the message budget. */
export interface RelayMessage {
  relay: Buffer;
}

/** Largest room message before validation: a maximal signal plus its envelope. */
const messageMaxBytes = LobbyLimits.signalMaxBytes + 256;

/**
 * The first look at a raw room message, in place of Colyseus' own `_onMessage` for data
 * messages: Colyseus would close the socket on undecodable bytes and throw out of the socket
 * handler on a malformed type header. Here every refusal is counted, answered with a named error
 * and struck against the client's budget; the connection stays up until the strikes run out.
 *
 * Returns `'pass'` for Colyseus' own join acknowledgement and leave, `undefined` for a
 * refused message, a relay frame as it is, or the decoded message.
 */
export function screenMessage(ctx: RoomContext, guard: ClientGuard, client: Client, buffer: Buffer): ScreenedMessage | RelayMessage | 'pass' | undefined {
  if (client.state === ClientState.LEAVING || guard.expelled) return undefined;
  const code = buffer[0];
  if (code === Protocol.JOIN_ROOM || code === Protocol.LEAVE_ROOM) return 'pass';
  if (code === Protocol.ROOM_DATA_BYTES) {
    const relay = relayFrame(buffer);
    if (relay !== undefined) return { relay };
  }
  if (!guard.take()) return refuse(ctx, guard, client, 'rate_limited', 'over the message budget');
  if (code !== Protocol.ROOM_DATA && code !== Protocol.ROOM_DATA_BYTES) return refuse(ctx, guard, client, 'undecodable', `not a room message (protocol code ${String(code)})`);
  if (buffer.byteLength > messageMaxBytes) return refuse(ctx, guard, client, 'too_large', `message of ${buffer.byteLength} bytes; the limit is ${messageMaxBytes}`);
  let type: string | number;
  const it = { offset: 1 };
  try {
    type = decode.stringCheck(buffer, it) ? decode.string(buffer, it) : decode.number(buffer, it);
  } catch (error) {
    return refuse(ctx, guard, client, 'undecodable', `no message type: ${String((error as Error).message).slice(0, 200)}`);
  }
  if (code === Protocol.ROOM_DATA_BYTES) return refuse(ctx, guard, client, 'unknown_type', 'binary messages are not part of the protocol', String(type));
  if (typeof type !== 'string') return refuse(ctx, guard, client, 'unknown_type', `message type ${String(type)} is not a name`);
  if (buffer.byteLength <= it.offset) return { type, payload: undefined };
  const payload = ctx.decode(buffer.subarray(it.offset));
  if (!payload.ok) return refuse(ctx, guard, client, 'undecodable', `not msgpack within the limits: ${payload.message}`);
  return { type, payload: payload.value };
}

/** The bytes after the header of a `relay` byte message, or undefined for any other message. */
function relayFrame(buffer: Buffer): Buffer | undefined {
  const it = { offset: 1 };
  try {
    if (!decode.stringCheck(buffer, it) || decode.string(buffer, it) !== RELAY_MESSAGE) return undefined;
  } catch {
    return undefined; // screened (and refused) as any other message
  }
  return buffer.subarray(it.offset);
}

/** Refuse one message: count it, tell the client (floods: once a second), and disconnect a client out of strikes. */
export function refuse(ctx: RoomContext, guard: ClientGuard, client: Client, reason: RefusalReason, message: string, type?: string): undefined {
  ctx.metrics.reject(reason);
  ctx.logger.debug({ sessionId: client.sessionId, reason, type }, message);
  if (guard.mayReply(reason)) {
    // The type and the validator's message can quote the client's input: keep the reply short.
    const named = type === undefined ? undefined : type.slice(0, 64);
    const error: ErrorPayload = { code: errorCodeFor[reason], message: (named === undefined ? message : `${named}: ${message}`).slice(0, 256) };
    if (named !== undefined) error.type = named;
    client.send(ServerMessage.Error, error);
  }
  if (guard.strike()) disconnectForAbuse(ctx, client, 'too many refused messages');
  return undefined;
}

/** Close an abusive client's connection with `LobbyCloseCode.Abuse`: it keeps no seat and may not come back. */
export function disconnectForAbuse(ctx: RoomContext, client: Client, why: string): void {
  ctx.metrics.disconnectedForAbuse.inc();
  ctx.logger.warn({ sessionId: client.sessionId, why }, 'disconnecting an abusive client');
  client.leave(LobbyCloseCode.Abuse, why);
}
