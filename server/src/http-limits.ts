import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { LobbyErrorCode, LobbyLimits } from '@rallypoint/protocol';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

import type { HttpLimitKind, HttpLimits } from './config.js';

/**
 * Per-address request budgets, in fixed windows, on rate-limiter-flexible: in memory for one
 * process, in Redis when clustered, so an address gets one budget from the whole lobby, not one
 * per process. While Redis is away each process falls back to a budget of its own in memory.
 */
export class HttpLimiter {
  readonly #limiters = new Map<HttpLimitKind, RateLimiterAbstract>();
  readonly #trustProxy: ReadonlySet<string>;

  constructor(limits: HttpLimits, trustProxy: readonly string[], redis?: Redis) {
    this.#trustProxy = new Set(trustProxy.map(plainAddress));
    const duration = LobbyLimits.httpLimitWindowSeconds;
    for (const kind of ['matchmake', 'probes', 'creates'] as const) {
      const points = limits[kind];
      if (points <= 0) continue;
      const memory = new RateLimiterMemory({ points, duration, keyPrefix: `rallypoint:limit:${kind}` });
      this.#limiters.set(
        kind,
        redis === undefined ? memory : new RateLimiterRedis({ storeClient: redis, points, duration, keyPrefix: `rallypoint:limit:${kind}`, rejectIfRedisNotReady: true, insuranceLimiter: memory }),
      );
    }
  }

  /**
   * The address a request is counted against: the peer's, or, from a trusted proxy, the last
   * address that proxy put in `X-Forwarded-For` (the one it saw; earlier entries are the client's say).
   */
  address(req: IncomingMessage): string {
    const peer = plainAddress(req.socket.remoteAddress ?? '');
    if (!this.#trustProxy.has(peer)) return peer;
    const forwarded = req.headers['x-forwarded-for'];
    const last = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',').pop()?.trim();
    return last === undefined || last === '' ? peer : plainAddress(last);
  }

  /** Take one request of `kind` from this address: undefined when it may go on, else ms to wait. */
  async take(kind: HttpLimitKind, address: string): Promise<number | undefined> {
    const limiter = this.#limiters.get(kind);
    if (limiter === undefined) return undefined;
    try {
      await limiter.consume(address);
      return undefined;
    } catch (outcome) {
      if (outcome instanceof RateLimiterRes) return Math.max(1, outcome.msBeforeNext);
      throw outcome; // the store failed and so did the insurance: a bug, not a limit
    }
  }
}

/**
 * Answer a request over its budget: 429, `Retry-After` in whole seconds, the lobby's error body.
 * `cors`: the headers the request's successful answer would carry, so a page that may read that
 * one can read this too (colyseus.js asks with credentials, which a `*` does not admit).
 */
export function tooManyRequests(res: ServerResponse, waitMs: number, what: string, cors: OutgoingHttpHeaders = {}): void {
  const seconds = Math.ceil(waitMs / 1000);
  retryLater(res, 429, seconds, { code: LobbyErrorCode.RateLimited, error: `too many ${what} from this address: try again in ${seconds} s`, retryAfterSeconds: seconds }, cors);
}

/** Answer while the lobby's Redis is away: 503, `Retry-After: 1`, the lobby's error body; `cors` as for `tooManyRequests`. */
export function unavailable(res: ServerResponse, cors: OutgoingHttpHeaders = {}): void {
  retryLater(res, 503, 1, { code: LobbyErrorCode.LobbyUnavailable, error: 'the lobby cannot match players right now (its Redis is not reachable): try again in a moment' }, cors);
}

/** A refusal in the shape colyseus.js reads (`{ code, error }`), with `Retry-After` in seconds. */
function retryLater(res: ServerResponse, status: 429 | 503, seconds: number, body: { code: number; error: string; retryAfterSeconds?: number }, cors: OutgoingHttpHeaders): void {
  res.writeHead(status, { ...cors, 'content-type': 'application/json', 'retry-after': String(seconds), 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** `::ffff:127.0.0.1` and `127.0.0.1` are one address. */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
