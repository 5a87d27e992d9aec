/** What the server sends. The server builds these; the client reads them. */
import type { LobbyErrorCode } from './messages.js';
import type { RelayTerms } from './relay.js';
import type { Restore, RoomSettings, SignalData } from './schemas.js';

/** A member of a room, as every member sees it. */
export interface Member {
  /** Session id: stable for the member's stay, and across a reconnection or a server restart. */
  id: string;
  name: string;
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
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** Sent to a member on joining (and on reconnection): the whole room, and what this member needs to link. */
export interface WelcomePayload {
  code: string;
  /** The receiver's own member id. */
  you: string;
  hostId: string;
  members: Member[];
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
  id: string;
  /** `left`: on purpose; `lost`: the connection dropped and did not come back in time. */
  reason: 'left' | 'lost';
}

/** Another member hosts now. */
export interface HostChangedPayload {
  hostId: string;
  previousHostId: string;
}

/** A WebRTC signal from another member of the room. */
export interface SignalPayload {
  from: string;
  data: SignalData;
}

/** A refused message or a failed request; the connection stays up. */
export interface ErrorPayload {
  code: LobbyErrorCode;
  message: string;
  /** The message type that was refused, when there was one. */
  type?: string;
}

/** The server is shutting down. */
export interface ClosingPayload {
  reason: 'shutdown';
}

/** One public room in the listing. */
export interface RoomListing {
  code: string;
  clients: number;
  maxClients: number;
  mode: string;
  topology: RoomSettings['topology'];
  hostName: string;
}

/** The payload of each message the server sends, by message name. */
export interface ServerMessagePayloads {
  welcome: WelcomePayload;
  'member.joined': Member;
  'member.left': MemberLeftPayload;
  'member.changed': Member;
  'host.changed': HostChangedPayload;
  signal: SignalPayload;
  error: ErrorPayload;
  closing: ClosingPayload;
  restore: Restore;
}

/** Room status by code (`GET /rooms/CODE`), so a failed join can say why. */
export interface RoomStatus {
  code: string;
  status: 'open' | 'full' | 'closed' | 'not-found';
}
