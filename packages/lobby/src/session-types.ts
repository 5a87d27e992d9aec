/** The types of a room session: its events, what it is made with, and the relay modes. */
import type { CloseReason, Link, LinkInit, LinkTypes, Logger, OpenLink } from '@rallypoint/core';
import type { Member } from '@rallypoint/protocol';
import type { LobbyError } from './errors.js';
import type { LinkRetryPolicy } from './peer-links.js';
import type { Connector } from './reconnect.js';
import type { VoiceInit } from './voice-types.js';

/** The events a room session emits (`session.on(name, fn)`). */
export interface RoomSessionEvents<T extends LinkTypes = LinkTypes> {
  /** Someone joined the room (this member's own joining is the session itself). */
  memberJoined: Member;
  /** Someone left: `left` on purpose (its goodbye, or a closed tab), `lost` when its seat's reconnection window ran out. */
  memberLeft: { member: Member; reason: 'left' | 'lost' };
  /** A member's name, ready flag or `away` changed; `member` is how it is now. */
  memberChanged: Member;
  /** The host left; the next member in join order hosts now. */
  hostChanged: { hostId: string; previousHostId: string };
  /** A link to another member opened: both lanes are usable, and `link.transport` is known from here on (`OpenLink`). */
  linkOpen: { peerId: string; link: OpenLink<T> };
  /** A link to another member closed. While both are still in the room it is tried again (`LobbyInit.linkRetry`; see `linkFailed`). */
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
  /** How the session talks to the lobby server (Colyseus underneath). */
  connector: Connector;
  /** Makes each link (see `LobbyInit.createLink`). */
  createLink: (init: LinkInit) => Link<T>;
  /** See `LobbyInit.link`. */
  linkInit: Partial<LinkInit>;
  /** See `LobbyInit.logger`. */
  logger: Logger;
  /** See `LobbyInit.origin`. */
  origin: string;
  /** The name sent with the join. */
  displayName: string;
  /** See `LobbyInit.linkRetry`. */
  linkRetry: LinkRetryPolicy;
  /** See `LobbyInit.random`. */
  random: () => number;
  /** See `LobbyInit.turnFallbackMs`. */
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
