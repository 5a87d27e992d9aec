/**
 * What sync needs from a transport: an unreliable, newest-wins message lane. A @rallypoint/core
 * link's state lane is one (`stateChannel(link)`); so is anything with the same two methods.
 */
export interface StateChannel {
  send(message: unknown): void;
  /** Returns an unsubscribe function. */
  onMessage(fn: (message: unknown) => void): () => void;
}

/** The state lane of a @rallypoint/core link (or anything shaped like one) as a StateChannel. */
export function stateChannel(link: { state: { send(payload: never): unknown; onMessage(fn: (message: { payload: unknown }) => void): () => void } }): StateChannel {
  return {
    send: (message) => void link.state.send(message as never),
    onMessage: (fn) => link.state.onMessage(({ payload }) => fn(payload)),
  };
}

/**
 * Client → host, as an array to keep it small: `[clientTimeMs, ackedSnapshotId, firstInputSeq,
 * inputs, seenHostTimeMs?]`; `seenHostTimeMs` is the host time whose world the player was looking
 * at when making the newest input (for lag compensation; a client of an older version sends none).
 */
export type ClientMessage<I> = [clientTimeMs: number, ackedSnapshotId: number, firstInputSeq: number, inputs: I[], seenHostTimeMs?: number];

/** Host → client: `[hostTimeMs, echoedClientTimeMs, heldMs, lastAppliedInputSeq, snapshot]`; `heldMs` is -1 while there is no client stamp to echo. */
export type HostMessage = [hostTimeMs: number, echoedClientTimeMs: number, heldMs: number, lastAppliedInputSeq: number, snapshot: Uint8Array];

/** A sync message (input or snapshot) that is not one. */
export class MalformedSyncMessageError extends Error {
  override name = 'MalformedSyncMessageError';
}

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** Most inputs one client message may carry (the redundancy window is far smaller). */
export const MAX_INPUTS_PER_MESSAGE = 64;

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/** A client's message as the host reads it; throws `MalformedSyncMessageError`. */
export function parseClientMessage<I>(message: unknown): ClientMessage<I> {
  if (!Array.isArray(message) || (message.length !== 4 && message.length !== 5) || !isNumber(message[0]) || !isCount(message[1]) || !isCount(message[2]) || !Array.isArray(message[3])) {
    throw new MalformedSyncMessageError('not a sync client message');
  }
  if (message.length === 5 && !isNumber(message[4])) throw new MalformedSyncMessageError('a sync client message whose view time is not a number');
  if (message[3].length > MAX_INPUTS_PER_MESSAGE) throw new MalformedSyncMessageError(`${message[3].length} inputs in one message; at most ${MAX_INPUTS_PER_MESSAGE}`);
  return message as ClientMessage<I>;
}

/** The host's message as a client reads it; throws `MalformedSyncMessageError`. */
export function parseHostMessage(message: unknown): HostMessage {
  if (!Array.isArray(message) || message.length !== 5 || !message.slice(0, 4).every(isNumber) || !(message[4] instanceof Uint8Array)) {
    throw new MalformedSyncMessageError('not a sync host message');
  }
  return message as HostMessage;
}
