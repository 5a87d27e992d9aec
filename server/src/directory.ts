import type { RoomStatus } from '@rallypoint/protocol';

/** What the server (health, metrics, shutdown, `/rooms/CODE`) asks of a live game room. */
export interface GameRoomApi {
  readonly code: string;
  readonly memberCount: number;
  status(): 'open' | 'full' | 'closed';
  /** Whether this member id has a place here: connected, waiting to reconnect, or a seat reserved. */
  holds(memberId: string): boolean;
  /** Tell every member the server is going down. */
  announceClosing(): void;
  /** Write the room's listing again (Redis came back, maybe without it). */
  relist(): Promise<void>;
}

/**
 * Where the game rooms are: this process's own (`local`), and, through the directory, every
 * process of the lobby. One process answers from memory; a cluster asks Redis and the process
 * that holds the room (cluster.ts). Codes are unique across whatever the directory spans.
 */
export interface RoomDirectory {
  /** This process's live game rooms by code. */
  readonly local: Map<string, GameRoomApi>;
  /** Take `code` for a room about to be made here: false when a live room anywhere has it. */
  claim(code: string): Promise<boolean>;
  /** Give back a code this process claimed (its room closed, or was never made). */
  release(code: string): Promise<void>;
  /** The status of the room with this code, wherever it lives. */
  status(code: string): Promise<RoomStatus['status']>;
  /** Whether the room `code`, wherever it lives, has a place for this member id. */
  holds(code: string, memberId: string): Promise<boolean>;
}

/** The directory of a lobby that is one process: what is in memory is all there is. */
export function createLocalDirectory(): RoomDirectory {
  const local = new Map<string, GameRoomApi>();
  /** Codes taken by rooms being made (onCreate awaits between the claim and the room). */
  const claimed = new Set<string>();
  return {
    local,
    async claim(code) {
      if (claimed.has(code)) return false;
      claimed.add(code);
      return true;
    },
    async release(code) {
      claimed.delete(code);
    },
    async status(code) {
      return local.get(code)?.status() ?? 'not-found';
    },
    async holds(code, memberId) {
      return local.get(code)?.holds(memberId) ?? false;
    },
  };
}
