/**
 * The restore claims of a game room: what a member must prove to take its old place in a room
 * re-formed after a restart (checked before Colyseus reserves a seat), and the claim each member
 * is sent as the room changes (see restore.ts for the signing, game-room.ts for the re-forming).
 */
import { ServerError } from '@colyseus/core';
import { JoinOptionsSchema, LobbyErrorCode, validate, type Restore, type RestoredRoom } from '@rallypoint/protocol';
import type { GameRoomContext, MemberRecord } from './room-parts.js';

/**
 * Colyseus' onAuth for a game room. A restoring member keeps its session id (see RestoreSchema);
 * Colyseus takes it from here. The claim is checked here, before Colyseus reserves a seat under
 * that id: a reservation replaces whatever seat the id had, the present member's or its pending
 * reconnection.
 */
export async function authorizeJoin(ctx: GameRoomContext, options: unknown): Promise<{ sessionId?: string }> {
  const result = validate(JoinOptionsSchema, options);
  if (!result.ok) throw new ServerError(LobbyErrorCode.InvalidJoinOptions, result.message);
  const { restore } = result.value;
  if (restore === undefined) return {};
  const check = ctx.restoreTokens.check(restore, ctx.now());
  if (check !== 'ok') {
    ctx.metrics.restoresRefused.inc();
    throw new ServerError(LobbyErrorCode.RestoreRefused, check === 'expired' ? 'the restore claim has expired' : 'the restore token does not prove this claim');
  }
  // The token binds the member id to this code: only that room, wherever it lives, can hold it.
  if (await ctx.directory.holds(restore.code, restore.memberId)) {
    ctx.metrics.restoresRefused.inc();
    throw new ServerError(LobbyErrorCode.MemberStillPresent, `member ${restore.memberId} is still in room ${restore.code}`);
  }
  return { sessionId: restore.memberId };
}

/** A member's claim to the room as it is now, signed. */
export function claimOf(ctx: GameRoomContext, code: string, member: MemberRecord, room: RestoredRoom): Restore {
  return ctx.restoreTokens.issue({ code, memberId: member.id, order: member.order, room }, ctx.now());
}
