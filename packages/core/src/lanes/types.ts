/** What a game sees of the two lanes: `link.events` and `link.state`. Types only. */
import type { RequestType, StateMessage, StateSendResult } from '../types.js';

/** Options of one `events.request()`. */
export interface RequestOptions {
  /** Reject with `RequestTimeoutError` after this long. @default the link's `requestTimeoutMs` (10000) */
  timeoutMs?: number;
}

/** What a game sees of the events lane: `link.events`. */
export interface EventsLaneApi<E extends Record<string, unknown>, R extends Record<string, RequestType>> {
  /**
   * Send an event; it arrives exactly once, in order. Queued until the link opens. Throws
   * `LinkClosedError` once the link is closed, `MessageTooLargeError` above `maxEventBytes`, and
   * `SendBufferFullError` when the queue already holds `maxQueuedBytes`.
   */
  emit<K extends keyof E & string>(name: K, payload: E[K]): void;
  on<K extends keyof E & string>(name: K, fn: (payload: E[K]) => void): () => void;
  once<K extends keyof E & string>(name: K, fn: (payload: E[K]) => void): () => void;
  off<K extends keyof E & string>(name: K, fn: (payload: E[K]) => void): void;
  /**
   * Ask the other side; resolves with what its `handle(name)` handler returns. Rejects with
   * `TooManyRequestsError` when `maxPendingRequests` of ours already await an answer.
   */
  request<K extends keyof R & string>(name: K, payload: R[K]['request'], options?: RequestOptions): Promise<R[K]['response']>;
  /** Answer requests named `name`; returns an unsubscribe function. */
  handle<K extends keyof R & string>(
    name: K,
    fn: (payload: R[K]['request']) => R[K]['response'] | Promise<R[K]['response']>,
  ): () => void;
  /**
   * Bytes waiting to be sent: in the link's own queue plus the channel's buffer. A sender of
   * bulk data can keep this under a limit and send more on the link's `drain` event.
   */
  readonly bufferedAmount: number;
}

/** What a game sees of the state lane: `link.state`. */
export interface StateLaneApi<S> {
  /**
   * Send the newest state. Throws `MessageTooLargeError` if the encoded message exceeds the
   * remote's max message size (state is never fragmented: a lost piece would lose it all).
   */
  send(payload: S): StateSendResult;
  /** Receive state newer than any received before; returns an unsubscribe function. */
  onMessage(fn: (message: StateMessage<S>) => void): () => void;
  /** Bytes waiting in the state channel. */
  readonly bufferedAmount: number;
}
