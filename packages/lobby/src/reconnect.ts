import type { Logger } from '@rallypoint/core';
import { LobbyErrorCode, type Restore, type RoomSettings } from '@rallypoint/protocol';
import type { LobbyRoom as ColyseusRoom } from './colyseus-room.js';
import { HTTP_TOO_MANY_REQUESTS, HTTP_UNAVAILABLE } from './errors.js';

/** The lobby calls a session needs to get back into its room. */
export interface Connector {
  reconnect(reconnectionToken: string): Promise<ColyseusRoom>;
  create(options: Record<string, unknown>): Promise<ColyseusRoom>;
  joinById(code: string, options: Record<string, unknown>): Promise<ColyseusRoom>;
}

export interface ReconnectParams {
  /** Colyseus reconnection; `undefined` when the server is known to have gone (it said so). */
  reconnectionToken: string | undefined;
  settings: RoomSettings;
  name: string;
  /**
   * This member's newest restore claim (welcome, then `restore` messages), sent back as it is:
   * its token proves the place and the room's settings, lock and host.
   */
  restore: Restore;
  isClosed: () => boolean;
  logger: Logger;
  /** @default 120000 */
  giveUpAfterMs?: number;
}

/** A protocol or Colyseus error code: the server answered (as opposed to not being reachable). */
export function serverErrorCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

export type ReconnectResult =
  | { ok: true; room: ColyseusRoom; restored: boolean }
  /** `code`: the server refused the claim for good (`RestoreRefused`); absent: gave up waiting. */
  | { ok: false; code?: number; error?: unknown };

/**
 * Get back into the room after the lobby connection dropped. First Colyseus reconnection (the
 * server kept our seat for `LobbyLimits.reconnectWindowSeconds`); if the server no longer knows
 * the room (it restarted: rooms live in memory), re-form it under the same code and member ids,
 * proving the claim with the welcome's restore token: the first member back creates it, the
 * others join it. Retries with backoff while the server is unreachable, or still holds our old
 * place (`MemberStillPresent`); stops when it refuses the claim (`RestoreRefused`).
 */
export async function reconnectRoom(connector: Connector, params: ReconnectParams): Promise<ReconnectResult> {
  const giveUpAt = Date.now() + (params.giveUpAfterMs ?? 120_000);
  const { restore } = params;
  let token = params.reconnectionToken;
  let delayMs = 100;
  while (!params.isClosed() && Date.now() < giveUpAt) {
    try {
      if (token !== undefined) return { ok: true, room: await connector.reconnect(token), restored: false };
      try {
        return { ok: true, room: await connector.create({ ...params.settings, name: params.name, restore }), restored: true };
      } catch (error) {
        if (serverErrorCode(error) !== LobbyErrorCode.RoomCodeTaken) throw error;
        return { ok: true, room: await connector.joinById(restore.code, { name: params.name, restore }), restored: true };
      }
    } catch (error) {
      const code = serverErrorCode(error);
      params.logger.debug({ err: error, code, reconnecting: token !== undefined }, 'not back in the room yet');
      if (code === LobbyErrorCode.RestoreRefused) return { ok: false, code, error };
      // Too many requests, or the process answering is shutting down (a load balancer sends the
      // next try elsewhere): the same step again, after the wait.
      if (code === HTTP_TOO_MANY_REQUESTS || code === HTTP_UNAVAILABLE) {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        delayMs = Math.min(delayMs * 2, 2000);
        continue;
      }
      // Our place is still there: the server refused the token only because it had not yet seen
      // us go (a drop it learns of by its pings, seconds later). The token works once it has.
      if (code === LobbyErrorCode.MemberStillPresent && params.reconnectionToken !== undefined) token = params.reconnectionToken;
      // The server answered but has no seat for us: it restarted. Re-form the room instead.
      else if (code !== undefined && token !== undefined) {
        token = undefined;
        continue;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    delayMs = Math.min(delayMs * 2, 2000);
  }
  return { ok: false };
}
