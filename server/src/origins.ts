/**
 * Which web pages may use the lobby (`--allow-origins`). Browsers send every page's origin with
 * its requests and WebSocket upgrades; the lobby answers a page from an origin it does not allow
 * with 403, so another site cannot put your lobby in its pages (CORS alone would not stop its
 * WebSockets). Requests without an Origin (a Node player, a bot, curl) and pages the lobby serves
 * itself are always let in: the origin says which page asks, not who, so it is no password.
 */
import type { IncomingMessage } from 'node:http';
import { LobbyErrorCode } from '@rallypoint/protocol';

/** `'*'`: any origin (the default); else the allowed origins, `scheme://host[:port]`, lower case. */
export type AllowedOrigins = '*' | readonly string[];

export class OriginPolicy {
  readonly #allowed: ReadonlySet<string> | '*';

  constructor(allowed: AllowedOrigins) {
    this.#allowed = allowed === '*' ? '*' : new Set(allowed.map((origin) => origin.toLowerCase()));
  }

  /** The page origin a request comes from; undefined when it names none. */
  static of(req: IncomingMessage): string | undefined {
    const origin = req.headers.origin;
    return typeof origin === 'string' && origin !== '' && origin !== 'null' ? origin : undefined;
  }

  /** Whether `req` may use the lobby: no origin, the lobby's own, any when `*`, or a listed one. */
  allows(req: IncomingMessage): boolean {
    const origin = OriginPolicy.of(req);
    if (origin === undefined || this.#allowed === '*') return true;
    if (this.#allowed.has(origin.toLowerCase())) return true;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false; // not an origin at all
    }
  }

  /**
   * CORS for a request's answer: its own origin echoed, credentials allowed (colyseus.js sends
   * every request with credentials, which a `*` answer would fail; the lobby sets no cookies, so
   * none are exposed). Refusals carry it too, so the page can read why it was refused.
   */
  corsHeaders(req: IncomingMessage): Record<string, string> {
    const origin = OriginPolicy.of(req);
    return { 'Access-Control-Allow-Origin': origin ?? '*', 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' };
  }

  /**
   * The answer to a refused page, in the shape colyseus.js reads (`{ code, error }`), for the
   * page itself (sent with CORS for it: the refusal is all it learns), the lobby's log and a
   * developer's network tab.
   */
  refusal(req: IncomingMessage): string {
    return JSON.stringify({ code: LobbyErrorCode.OriginRefused, error: `origin ${String(OriginPolicy.of(req)).slice(0, 128)} may not use this lobby: the server's --allow-origins does not list it` });
  }
}
