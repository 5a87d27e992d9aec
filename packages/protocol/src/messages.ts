/**
 * Names on the wire. Each is an `as const` object with a union type derived from it, so a typo is
 * a type error on both sides and the server's dispatch table is checked for completeness.
 */

/** Colyseus room names the server defines. */
export const RoomName = {
  /** A game room: presence, signaling. */
  Game: 'game',
  /** The live list of public game rooms (Colyseus' LobbyRoom protocol: "rooms", "+", "-"). */
  Listing: 'listing',
} as const;
export type RoomName = (typeof RoomName)[keyof typeof RoomName];

/** Messages a member sends to its game room. */
export const ClientMessage = {
  /** Forward a WebRTC signal (SDP or ICE candidate) to another member of the same room. */
  Signal: 'signal',
  /** Set my ready flag. */
  Ready: 'ready',
  /** Change my display name. */
  Profile: 'profile',
  /** Host only: open or close the room to new players (a closed room is not quick-matched). */
  Lock: 'lock',
  /** Send me the welcome again (after a reconnection, once my handlers are in place). */
  Sync: 'sync',
} as const;
export type ClientMessage = (typeof ClientMessage)[keyof typeof ClientMessage];

/** Messages the server sends to a member of a game room. */
export const ServerMessage = {
  /** Sent once on join (and on reconnection): the whole room. */
  Welcome: 'welcome',
  MemberJoined: 'member.joined',
  MemberLeft: 'member.left',
  MemberChanged: 'member.changed',
  HostChanged: 'host.changed',
  /** A signal from another member. */
  Signal: 'signal',
  /** A refused message or a failed request; the connection stays up. */
  Error: 'error',
  /** The server is shutting down; the connection closes next. */
  Closing: 'closing',
  /** This member's renewed restore claim: the room changed, or the last claim nears its expiry. */
  Restore: 'restore',
} as const;
export type ServerMessage = (typeof ServerMessage)[keyof typeof ServerMessage];

/** Messages of the listing room (Colyseus' LobbyRoom protocol, kept as it is). */
export const ListingMessage = {
  /** Client → server: only list rooms matching this filter. */
  Filter: 'filter',
  /** Server → client: the whole list. */
  Rooms: 'rooms',
  /** Server → client: a room appeared or changed, `[code, listing]`. */
  Upsert: '+',
  /** Server → client: a room is gone from the list, `code`. */
  Remove: '-',
} as const;
export type ListingMessage = (typeof ListingMessage)[keyof typeof ListingMessage];

/**
 * Error codes, in `error` messages and in matchmaking failures. All under 128, so each is one
 * msgpack byte. Stable: clients map them to named error classes.
 */
export const LobbyErrorCode = {
  RoomNotFound: 1,
  RoomFull: 2,
  /** The room exists but takes no one (locked or shutting down). */
  RoomClosed: 3,
  InvalidRoomOptions: 4,
  InvalidJoinOptions: 5,
  /** A restore asked for a code that a live room already has. */
  RoomCodeTaken: 6,
  /**
   * A restore claim (a member id, an order, a room code) without a restore token that proves it:
   * the token is missing, forged, for another member or room, or from a server with another
   * restore secret (one that restarted without `--restore-secret`). Final: retrying cannot help.
   */
  RestoreRefused: 7,
  /** A restore claim for a member id that is in a room now (connected, or waiting to reconnect). */
  MemberStillPresent: 8,
  /**
   * Too many open connections from this address (`--connections-per-address`): HTTP 429 with
   * this code, or a WebSocket closed with `LobbyCloseCode.TooManyConnections`.
   */
  TooManyConnections: 9,
  /** Well-formed msgpack, wrong shape for its type. */
  InvalidMessage: 10,
  UnknownMessageType: 11,
  MessageTooLarge: 12,
  /** Over the per-client message budget. */
  RateLimited: 13,
  /** Not decodable at all (binary garbage, truncated, nested too deep). */
  UndecodableMessage: 14,
  /** A signal to no one, or to someone outside the sender's room. */
  SignalTargetUnknown: 20,
  /** Only the host may do that. */
  NotHost: 21,
  /** A relay frame the server did not forward: relaying is off, over the member's budget, or to no one. */
  RelayRefused: 22,
  /**
   * The page's origin is not among those the server lets use it (`--allow-origins`): HTTP 403 on
   * matchmaking, readable by the page, or a refused room socket.
   */
  OriginRefused: 23,
  ServerShuttingDown: 30,
  /**
   * The lobby cannot match players right now: a clustered lobby's Redis is not reachable (HTTP
   * 503, `Retry-After`). Rooms and links already made go on; try again in a moment.
   */
  LobbyUnavailable: 31,
  Internal: 99,
} as const;
export type LobbyErrorCode = (typeof LobbyErrorCode)[keyof typeof LobbyErrorCode];

/** The name of an error code, for logs and metrics labels. */
export function lobbyErrorName(code: number): keyof typeof LobbyErrorCode | undefined {
  for (const [name, value] of Object.entries(LobbyErrorCode)) if (value === code) return name as keyof typeof LobbyErrorCode;
  return undefined;
}

/** WebSocket close codes the server uses. */
export const LobbyCloseCode = {
  /** Colyseus: the client left on purpose, or was removed by the server (shutdown). */
  Consented: 4000,
  /** Too many refused messages (see `LobbyLimits.abuseStrikes`). Do not reconnect. */
  Abuse: 4429,
  /** ws: a frame over `LobbyLimits.frameMaxBytes`. */
  FrameTooLarge: 1009,
  /**
   * This address has `--connections-per-address` connections open already; the reason names the
   * flag. Try again once one closes (the lobby client reports `TooManyConnectionsError`).
   */
  TooManyConnections: 4430,
} as const;
export type LobbyCloseCode = (typeof LobbyCloseCode)[keyof typeof LobbyCloseCode];

/** Who links to whom in a room. */
export const Topology = {
  /** The host links to every member; members talk to each other through the host. */
  Star: 'star',
  /** Every pair of members links. */
  Mesh: 'mesh',
} as const;
export type Topology = (typeof Topology)[keyof typeof Topology];
