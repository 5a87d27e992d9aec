/** What the server sends. The server builds these; the client reads them. */
import type { LobbyErrorCode } from './messages.js';
import type { RelayTerms } from './relay.js';
import type { Restore, RoomSettings, SignalData } from './schemas.js';

/** A member of a room, as every member sees it. */
export interface Member {
  /** Session id: stable for the member's stay, and across a reconnection or a server restart. */
  id: string;
  /** Display name as it asked (trimmed, 1 to `LobbyLimits.displayNameMaxLength` characters), `Player` when it named none; not unique. */
  name: string;
  /** Whether the member said it is ready (`session.setReady`); the game decides what it starts. */
  ready: boolean;
  /** Join order: 0 for the creator, growing; the lowest present member is the next host. */
  order: number;
  /**
   * True while its connection to the lobby is gone without a goodbye (a crashed tab, a network
   * drop): its seat is held for `LobbyLimits.reconnectWindowSeconds`, and it comes back (`away`
   * false again, in a `memberChanged`) or leaves with reason `lost`. Signals and relayed
   * traffic for it meanwhile are dropped, not refused. Absent: here.
   */
  away?: boolean;
}

/**
 * One STUN or TURN server, as the server hands it out: the fields of the DOM's `RTCIceServer`
 * that matter here, as a type of its own so that the server's types need no DOM lib.
 */
export interface IceServer {
  /** `stun:`, `stuns:`, `turn:` or `turns:` URLs of one server. */
  urls: string | string[];
  /** TURN only: `expiry:memberId` when the lobby made the credential (TURN REST convention). */
  username?: string;
  /** TURN only: the password that goes with `username`. */
  credential?: string;
}

/** Sent to a member on joining (and on reconnection): the whole room, and what this member needs to link. */
export interface WelcomePayload {
  /** The room's code (what an invite link carries). */
  code: string;
  /** The receiver's own member id. */
  you: string;
  /** The member id of the host now. */
  hostId: string;
  /** Everyone in the room, the receiver included, in join order. */
  members: Member[];
  /** What the room was made with (mode, size, topology, privacy). */
  settings: RoomSettings;
  /** STUN/TURN servers for the links, with ephemeral TURN credentials when the server has a secret. */
  iceServers: IceServer[];
  /** The server relays links that find no direct path, on these terms; null: it does not. */
  relay: RelayTerms | null;
  /**
   * This member's claim to its place, to send back as it is after a server restart (see
   * `Restore`); renewed by `restore` messages. Sent to this member only: keep it to yourself,
   * whoever has it can take this member's place once it is gone.
   */
  restore: Restore;
}

/** A member left the room. */
export interface MemberLeftPayload {
  /** The member id of who left. */
  id: string;
  /** `left`: on purpose; `lost`: the connection dropped and did not come back in time. */
  reason: 'left' | 'lost';
}

/** Another member hosts now. */
export interface HostChangedPayload {
  /** Who hosts now. */
  hostId: string;
  /** Who hosted before (gone, most often). */
  previousHostId: string;
}

/** A WebRTC signal from another member of the room. */
export interface SignalPayload {
  /** The member id of the sender. */
  from: string;
  /** The sender's link signal, for this member's link with it. */
  data: SignalData;
}

/** A refused message or a failed request; the connection stays up. */
export interface ErrorPayload {
  /** What went wrong, by name (the client turns it into the matching error class). */
  code: LobbyErrorCode;
  /** The same, in a sentence for a developer. */
  message: string;
  /** The message type that was refused, when there was one. */
  type?: string;
}

/** The server is shutting down. */
export interface ClosingPayload {
  /** Why: the only one today is a shutdown (the room comes back after a restart with a restore secret). */
  reason: 'shutdown';
}

/** One public room in the listing. */
export interface RoomListing {
  /** Join it with this code. */
  code: string;
  /** Members in it now. */
  clients: number;
  /** Its `maxPlayers`. */
  maxClients: number;
  /** The game mode it was made with. */
  mode: string;
  /** `star` or `mesh`: which members link with which (see `RoomSettings`). */
  topology: RoomSettings['topology'];
  /** The host's display name. */
  hostName: string;
}

/** The payload of each message the server sends, by message name. */
export interface ServerMessagePayloads {
  /** To a member that joined or came back: the whole room. */
  welcome: WelcomePayload;
  /** To the others: someone joined. */
  'member.joined': Member;
  /** To the others: someone left, on purpose or lost. */
  'member.left': MemberLeftPayload;
  /** To everyone: a member's name, ready flag or `away` changed. */
  'member.changed': Member;
  /** To everyone: the host left and the next in join order hosts. */
  'host.changed': HostChangedPayload;
  /** A link signal from another member. */
  signal: SignalPayload;
  /** A message of this member's was refused, or a request failed. */
  error: ErrorPayload;
  /** The server is about to close this room's connections. */
  closing: ClosingPayload;
  /** A renewed claim to this member's place (see `Restore`). */
  restore: Restore;
}

/** Room status by code (`GET /rooms/CODE`), so a failed join can say why. */
export interface RoomStatus {
  /** The code asked about. */
  code: string;
  /** `open`: it can be joined; `full`: every seat is taken or held; `closed`: it exists, but its host (or the game) let no one new in; `not-found`: no room has that code now. */
  status: 'open' | 'full' | 'closed' | 'not-found';
}
