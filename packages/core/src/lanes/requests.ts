/**
 * Requests and answers on the events lane: our requests waiting for the peer's answer (each with
 * its timeout), and the peer's requests being answered by the game's handlers. Both directions
 * are bounded by `maxPendingRequests`.
 */
import { HandlerError, RemoteRequestError, RequestTimeoutError, SendBufferFullError, TooManyRequestsError, type RemoteRequestFailure } from '../errors.js';
import type { Bytes } from '../wire/codec.js';
import { FrameKind, RequestFailure, type RequestFrame, type ResponseFrame } from '../wire/frames.js';

export interface RequestsDeps {
  maxPendingRequests: number;
  requestTimeoutMs: number;
  /** Encode a frame the game sends (throws what the lane refuses: closed, too large, queue full). */
  encodeQueued(frame: readonly unknown[]): Bytes;
  /** Encode a frame of the lane's own (an answer). */
  encode(frame: readonly unknown[]): Bytes;
  enqueue(frame: Bytes): void;
  /** Bytes in the lane's queue, and what it may hold. */
  queuedBytes(): number;
  maxQueuedBytes: number;
  isClosed(): boolean;
  report(error: Error): void;
  bad(error: Error): void;
  warn(message: string, error: unknown): void;
}

interface PendingRequest {
  name: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

type Handler = (payload: never) => unknown;

export class Requests {
  #nextRequestId = 0;
  readonly #pending = new Map<number, PendingRequest>();
  readonly #handlers = new Map<string, Handler>();
  /** The peer's requests being answered: handler running, or answer not yet queued. */
  answering = 0;

  constructor(private readonly deps: RequestsDeps) {}

  get pending(): number {
    return this.#pending.size;
  }

  request(name: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    const id = this.#nextRequestId;
    this.#nextRequestId = (this.#nextRequestId + 1) % 0x1_0000_0000;
    let frame: Bytes;
    try {
      if (this.#pending.size >= this.deps.maxPendingRequests) throw new TooManyRequestsError('outgoing', this.deps.maxPendingRequests);
      frame = this.deps.encodeQueued([FrameKind.Request, id, name, payload]);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new RequestTimeoutError(name, timeoutMs));
      }, timeoutMs);
      this.#pending.set(id, { name, resolve, reject, timer });
      this.deps.enqueue(frame);
    });
  }

  handle(name: string, fn: Handler): () => void {
    this.#handlers.set(name, fn);
    return () => {
      if (this.#handlers.get(name) === fn) this.#handlers.delete(name);
    };
  }

  /** A request from the peer: answered by the game's handler, or refused past the bound. */
  incoming(frame: RequestFrame): void {
    // A peer that keeps asking without reading the answers must not pile them up here.
    if (this.answering >= this.deps.maxPendingRequests) return this.deps.bad(new TooManyRequestsError('incoming', this.deps.maxPendingRequests));
    this.answering++;
    // #answer reports its own failures; this catches only a bug in that reporting.
    void this.#answer(frame.id, frame.name, frame.payload)
      .catch((cause: unknown) => this.deps.warn('answering a request failed', cause))
      .finally(() => this.answering--);
  }

  /** The peer's answer to one of ours. */
  response(frame: ResponseFrame): void {
    const pending = this.#pending.get(frame.id);
    // Answered after its timeout: nothing is waiting any more.
    if (pending === undefined) return;
    this.#pending.delete(frame.id);
    clearTimeout(pending.timer);
    if (frame.ok) pending.resolve(frame.payload);
    else pending.reject(new RemoteRequestError(pending.name, toFailure(frame.failure), frame.message));
  }

  close(error: Error): void {
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      this.#pending.delete(id);
      pending.reject(error);
    }
    this.#handlers.clear();
  }

  async #answer(id: number, name: string, payload: unknown): Promise<void> {
    const handler = this.#handlers.get(name);
    let response: readonly unknown[];
    if (handler === undefined) {
      response = [FrameKind.Response, id, false, [RequestFailure.NoHandler, `no handler for "${name.slice(0, 64)}"`]];
    } else {
      try {
        response = [FrameKind.Response, id, true, await handler(payload as never)];
      } catch (cause) {
        this.deps.report(new HandlerError(name, { cause }));
        const message = cause instanceof Error ? cause.message : String(cause);
        response = [FrameKind.Response, id, false, [RequestFailure.HandlerFailed, message]];
      }
    }
    if (this.deps.isClosed()) return;
    if (this.deps.queuedBytes() >= this.deps.maxQueuedBytes) {
      // The peer is not reading what we send: its answer is dropped (it will time out there).
      this.deps.bad(new SendBufferFullError(this.deps.queuedBytes(), this.deps.maxQueuedBytes));
      return;
    }
    try {
      this.deps.enqueue(this.deps.encode(response));
    } catch (cause) {
      // The answer itself could not be sent (too large, unencodable): tell both sides.
      this.deps.report(new HandlerError(name, { cause }));
      const message = cause instanceof Error ? cause.message : String(cause);
      this.deps.enqueue(this.deps.encode([FrameKind.Response, id, false, [RequestFailure.HandlerFailed, message.slice(0, 256)]]));
    }
  }
}

function toFailure(failure: string): RemoteRequestFailure {
  return failure === RequestFailure.NoHandler ? 'no-handler' : 'handler-failed';
}
