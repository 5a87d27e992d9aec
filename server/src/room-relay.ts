/**
 * A game room's relay: frames from one member to another, forwarded within the sender's budget
 * and the recipient's backlog (see relay.ts for the rules, shared with the rest of the server).
 * What cannot go is dropped and counted; the sender is told, once a second, unless it did nothing
 * wrong. State for a backed-up member is held, newest wins, until its connection drains.
 */
import { LobbyErrorCode, LobbyLimits, RELAY_MESSAGE, ServerMessage, decodeRelayFrame } from '@rallypoint/protocol';
import { forwardedFrame, relayFits, relayFrameBytes, type RelayDropReason } from './relay.js';
import { addressOf, backlogOf, sendTo, type GameRoomContext, type MemberRecord } from './room-parts.js';
import { disconnectForAbuse, refuse } from './screen.js';

/** How long relay frames to a member who left are dropped silently. */
const RECENTLY_LEFT_MS = 30_000;
/** How often a backed-up member's connection is checked for room for the state held for it. */
const HELD_STATE_POLL_MS = 20;

export interface RoomRelayDeps {
  ctx: GameRoomContext;
  code(): string;
  member(id: string): MemberRecord | undefined;
  members(): Iterable<MemberRecord>;
  /** The room is re-forming after a restart: members it names may not be back yet. */
  restoring(): boolean;
}

export class RoomRelay {
  /**
   * Members who left lately, with when: a relay frame still on its way to one of them is
   * dropped without a word (the sender's link hears of the leave in a moment anyway).
   */
  readonly #recentlyLeft = new Map<string, number>();

  constructor(private readonly deps: RoomRelayDeps) {}

  /** A member left: frames on their way to it are no one's fault for a while. */
  left(member: MemberRecord): void {
    this.#recentlyLeft.set(member.id, this.deps.ctx.now());
    clearInterval(member.heldTimer);
    for (const other of this.deps.members()) other.relayedSinceMove.delete(member.id);
  }

  /**
   * Forward one relay frame to another member of this room, within the sender's budget and the
   * recipient's backlog. A malformed frame is refused like any bad message; one that cannot go
   * is dropped, counted, and the sender told (once a second).
   */
  forward(from: MemberRecord, bytes: Buffer): void {
    const { ctx } = this.deps;
    // Over budget is found from the header's two bytes, before anything is decoded, and a
    // flood of it earns strikes like any refused message: it ends with the flooder cut off.
    if (ctx.relayBytesPerSecond !== 0 && !from.relayBudget.take(relayFrameBytes(bytes))) return this.#overBudget(from);
    const frame = decodeRelayFrame(bytes);
    if (typeof frame === 'string') return void refuse(ctx, from.guard, from.client, 'invalid', frame, RELAY_MESSAGE);
    if (frame.lane === 'moved') return this.#moved(from, frame.memberId);
    const target = this.deps.member(frame.memberId);
    let dropped: RelayDropReason | undefined;
    if (ctx.relayBytesPerSecond === 0) dropped = 'off';
    else if (target === undefined || target === from || !target.connected) dropped = 'target';
    else if (!relayFits(frame, backlogOf(target.client))) dropped = 'backlog';
    if (dropped === 'backlog' && frame.lane === 'state' && target !== undefined) return this.#holdState(target, from, frame.frame);
    if (dropped !== undefined || target === undefined) {
      ctx.metrics.dropRelay(dropped ?? 'target');
      // Away, left lately, or not back yet in a room that is re-forming: nothing the sender did wrong.
      if (dropped === 'target' && (target?.connected === false || this.#leftLately(frame.memberId) || this.deps.restoring())) return;
      // A backed-up recipient is not the sender's doing, and it drops state on purpose: no reply.
      if (dropped === 'backlog') return;
      this.#tellRefused(from, dropped === 'off' ? 'relaying is off on this server' : `no member ${frame.memberId.slice(0, 64)} in this room`);
      return;
    }
    target.client.sendBytes(RELAY_MESSAGE, forwardedFrame(frame, from.id));
    ctx.metrics.relayBytes.inc(frame.frame.byteLength);
    ctx.metrics.relayMessages.inc();
    if (frame.lane === 'hello') return;
    ctx.relayActivity.saw(this.deps.code(), from.id, target.id);
    from.relayedSinceMove.set(target.id, (from.relayedSinceMove.get(target.id) ?? 0) + frame.frame.byteLength);
  }

  /**
   * `from`'s link to `peerId` moved to a direct path: what was relayed for it since its last move
   * is what starting (or falling back) on the relay cost. Counted by the server, never by the
   * client's word; a member it never relayed for adds nothing.
   */
  #moved(from: MemberRecord, peerId: string): void {
    const { metrics } = this.deps.ctx;
    if (this.deps.member(peerId) === undefined) return;
    metrics.relayMovesToDirect.inc();
    metrics.relayBytesBeforeDirect.inc(from.relayedSinceMove.get(peerId) ?? 0);
    from.relayedSinceMove.delete(peerId);
  }

  /** A relay frame over the sender's budget: dropped, counted, told (once a second), struck. */
  #overBudget(from: MemberRecord): void {
    const { ctx } = this.deps;
    ctx.metrics.dropRelay('budget');
    if (from.guard.overRelayBudget()) {
      ctx.relayAbusers.add(addressOf(from.client));
      return disconnectForAbuse(ctx, from.client, 'relay frames far over the budget');
    }
    this.#tellRefused(from, 'over the relay budget');
  }

  /** Tell a member its relay frames are not forwarded, once a second at most. */
  #tellRefused(from: MemberRecord, why: string): void {
    const second = Math.floor(this.deps.ctx.now() / 1000);
    if (second === from.relayRefusedAtS) return;
    from.relayRefusedAtS = second;
    sendTo(from.client, ServerMessage.Error, { code: LobbyErrorCode.RelayRefused, message: why, type: RELAY_MESSAGE });
  }

  /**
   * State for a backed-up member: newest wins here too. It replaces what was held from the same
   * sender (that one is dropped, counted), and goes out once the connection has drained.
   */
  #holdState(target: MemberRecord, from: MemberRecord, frame: Uint8Array): void {
    const { ctx } = this.deps;
    if (target.heldState.has(from.id)) ctx.metrics.dropRelay('backlog');
    target.heldState.set(from.id, forwardedFrame({ lane: 'state', memberId: from.id, frame }, from.id));
    target.heldTimer ??= setInterval(() => {
      if (!target.connected || this.deps.member(target.id) === undefined) {
        clearInterval(target.heldTimer);
        target.heldTimer = undefined;
        target.heldState.clear();
        return;
      }
      if (backlogOf(target.client) > LobbyLimits.relayStateBacklogBytes) return;
      clearInterval(target.heldTimer);
      target.heldTimer = undefined;
      for (const held of target.heldState.values()) {
        target.client.sendBytes(RELAY_MESSAGE, held);
        ctx.metrics.relayMessages.inc();
      }
      target.heldState.clear();
    }, HELD_STATE_POLL_MS);
  }

  #leftLately(memberId: string): boolean {
    const since = this.deps.ctx.now() - RECENTLY_LEFT_MS;
    for (const [id, at] of this.#recentlyLeft) if (at < since) this.#recentlyLeft.delete(id);
    return this.#recentlyLeft.has(memberId);
  }
}
