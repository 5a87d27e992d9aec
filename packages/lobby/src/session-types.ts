/** The types of a room session: its events, what it is made with, and the relay modes. */
import type { CloseReason, Link, LinkInit, LinkTypes, Logger, OpenLink } from '@rallypoint/core';
import type { Member } from '@rallypoint/protocol';
import type { LobbyError } from './errors.js';
import type { LinkRetryPolicy } from './peer-links.js';
import type { Connector } from './reconnect.js';
import type { VoiceInit } from './voice-types.js';

/** The events a room session emits (`session.on(name, fn)`). */
export interface RoomSessionEvents<T extends LinkTypes = LinkTypes> {
  memberJoined: Member;
  memberLeft: { member: Member; reason: 'left' | 'lost' };
  memberChanged: Member;
  hostChanged: { hostId: string; previousHostId: string };
  /** A link to another member opened: both lanes are usable. */
  /** A link opened: `link.transport` is known from here on (`OpenLink`). */
  linkOpen: { peerId: string; link: OpenLink<T> };
  linkClose: { peerId: string; reason: CloseReason };
  /**
   * A link to a member failed `maxAttempts` times in a row (see `LobbyInit.linkRetry`) and is not
   * tried again on its own: tell the player, and call `retryLink(peerId)` to try again. A new
   * offer from the member also tries again.
   */
  linkFailed: { peerId: string; attempts: number; reason: CloseReason; error?: Error };
  /** A refusal from the server, or bad input on a link (`peerId` set); nothing is closed by it. */
  error: { error: LobbyError | Error; peerId?: string };
  /** The lobby connection dropped. Open links keep working. */
  lobbyDisconnected: { code: number; willReconnect: boolean };
  /** Back in the room: `restored` when the server had restarted and the room was re-formed. */
  lobbyReconnected: { restored: boolean };
  /** The session ended (left, or the lobby is gone for good); links are closed. */
  closed: { reason: 'left' | 'lobby-lost' };
}

/** What a room session is made with (by `createLobby`; a game does not make sessions itself). */
export interface SessionDeps<T extends LinkTypes> {
  connector: Connector;
  createLink: (init: LinkInit) => Link<T>;
  linkInit: Partial<LinkInit>;
  logger: Logger;
  origin: string;
  displayName: string;
  linkRetry: LinkRetryPolicy;
  random: () => number;
  turnFallbackMs: number;
  /** See `LobbyInit.relay`. */
  relay: LobbyRelayMode;
  /** See `LobbyInit.voice`. */
  voice: VoiceInit;
  /** See `LobbyInit.leaveOnPageHide`. */
  leaveOnPageHide: boolean;
}

/**
 * `auto`: a link starts on the lobby server's relay, if it relays, and moves to a direct path
 * once one is confirmed (see `LinkInit.relayFirst`); a link with no direct path stays there.
 * `off`: never. `always`: every link travels through the lobby server
 * and makes no direct connection (for players behind networks that allow nothing else, and for
 * trying the relay); the other side follows.
 */
export type LobbyRelayMode = 'auto' | 'off' | 'always';
