/**
 * What a game room is made of, shared by its parts: the server's context it is closed over, one
 * member's record, and the few facts read from a member's WebSocket.
 */
import type { Client } from '@colyseus/core';
import { RelayBudget, type IceServer, type Member, type ServerMessagePayloads } from '@rallypoint/protocol';
import { ClientGuard } from './guard.js';
import type { RoomDirectory } from './directory.js';
import { relayTerms, type RelayAbusers, type RelayActivity } from './relay.js';
import type { RestoreTokens } from './restore.js';
import type { RoomContext } from './screen.js';
import type { TurnConfig } from './turn.js';

export interface GameRoomContext extends RoomContext {
  iceServers: readonly IceServer[];
  turn: TurnConfig | undefined;
  randomInt: (n: number) => number;
  restoreTokens: RestoreTokens;
  /** Where the game rooms are, this process's and (clustered) every other's: codes are unique across it. */
  directory: RoomDirectory;
  /** The server is shutting down: it makes no more rooms (a restore goes to another process). */
  draining: () => boolean;
  /** Relay budget per member in bytes a second; 0: no relaying. */
  relayBytesPerSecond: number;
  /** Whether the welcome invites links to start on the relay (see `ServerConfig.relayFirst`). */
  relayFirst: boolean;
  relayActivity: RelayActivity;
  relayAbusers: RelayAbusers;
}

export interface MemberRecord extends Member {
  client: Client;
  guard: ClientGuard;
  relayBudget: RelayBudget;
  /** When the member was last told its relay frames were refused (once a second at most). */
  relayRefusedAtS: number;
  /** While this member's connection is backed up: the newest state from each sender, sent when it drains. */
  heldState: Map<string, Uint8Array>;
  heldTimer: ReturnType<typeof setInterval> | undefined;
  /**
   * Lane bytes relayed from this member to each other member since its link to that one last
   * moved to a direct path: counted into `rallypoint_relay_bytes_before_direct_total` at the move.
   */
  relayedSinceMove: Map<string, number>;
  connected: boolean;
}

/** A member's record as it joins: connected, nothing held, its relay budget from the server's terms. */
export function newMember(ctx: GameRoomContext, client: Client, member: Member, guard: ClientGuard | undefined): MemberRecord {
  const record: MemberRecord = {
    ...member,
    client,
    guard: guard ?? new ClientGuard(ctx.now),
    relayBudget: new RelayBudget(relayTerms(ctx.relayBytesPerSecond) ?? { bytesPerSecond: 0, messagesPerSecond: 0, burstSeconds: 0 }, ctx.now),
    relayRefusedAtS: -1,
    heldState: new Map(),
    heldTimer: undefined,
    relayedSinceMove: new Map(),
    connected: true,
  };
  // An address cut off for relay abuse gets no relay budget back by joining again.
  if (ctx.relayAbusers.has(addressOf(client))) record.relayBudget.empty();
  return record;
}

export function publicMember({ id, name, ready, order, connected }: MemberRecord): Member {
  return connected ? { id, name, ready, order } : { id, name, ready, order, away: true };
}

/** A server message to one client, typed. */
export function sendTo<K extends keyof ServerMessagePayloads>(client: Client, type: K, payload: ServerMessagePayloads[K]): void {
  client.send(type, payload);
}

/** Bytes waiting on a member's WebSocket (Colyseus' ws transport: `ref` is the ws socket). */
export function backlogOf(client: Client): number {
  return (client.ref as unknown as { bufferedAmount?: number }).bufferedAmount ?? 0;
}

/** The TCP peer of a member's WebSocket (Colyseus' ws transport: `ref` is the ws socket). */
export function addressOf(client: Client): string {
  return (client.ref as unknown as { _socket?: { remoteAddress?: string } })._socket?.remoteAddress ?? '';
}
