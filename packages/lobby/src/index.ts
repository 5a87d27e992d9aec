/**
 * @rallypoint/lobby — the client of the rallypoint lobby server: create a room, join one by code
 * or invite link, quick match, list public rooms live. A room session keeps presence (members,
 * host, me) and the WebRTC links to the other players that the room's topology calls for.
 *
 * @example
 * import { createLobby } from '@rallypoint/lobby'; // in Node: '@rallypoint/lobby/node'
 *
 * const lobby = createLobby({ url: 'http://localhost:2567' });
 * const session = await lobby.create({ name: 'Ada', maxPlayers: 2 }); // the friend: lobby.join(code)
 * console.log(session.code, session.inviteLink);
 * session.on('linkOpen', ({ peerId, link }) => link.events.emit('hello', session.me.name));
 * setInterval(() => session.sendState({ x: player.x, y: player.y }), 50);
 */
export { createLobby } from './lobby.js';
export { RoomSession } from './session.js';
export { SessionVoice } from './voice.js';
export { RoomList } from './listing.js';
export { initiates, linkedPeers } from './topology.js';
export { DEFAULT_LINK_RETRY, linkRetryDelayMs } from './peer-links.js';
export {
  InvalidOptionsError,
  LobbyError,
  LobbyUnavailableError,
  MessageRefusedError,
  NotHostError,
  OriginRefusedError,
  RelayRefusedError,
  RestoreRefusedError,
  RoomClosedError,
  RoomFullError,
  RoomNotFoundError,
  SessionClosedError,
  SignalTargetUnknownError,
  LobbyRateLimitedError,
  TooManyConnectionsError,
  MicrophoneDeniedError,
  NoMicrophoneError,
  VoiceError,
  VoiceUnsupportedError,
  WebRtcUnavailableError,
  errorFromCode,
} from './errors.js';

export type { CreateRoomOptions, Lobby, LobbyInit } from './lobby.js';
export type { LobbyRelayMode, RoomSessionEvents, SessionDeps } from './session-types.js';
export type { LinkFailure, LinkRetryPolicy } from './peer-links.js';
export type { VoiceDeps, VoiceEvents, VoiceInit, VoicePlayer, VoiceStartOptions } from './voice-types.js';
export type { RoomListEvents } from './listing.js';
export type { ListingFilter, Member, RoomListing, RoomOptions, RoomSettings, Topology } from '@rallypoint/protocol';
export type { LobbyRoom } from './colyseus-room.js';

// What a game touches of the links a session hands it, so one import is enough.
export {
  ConnectTimeoutError,
  ConnectionFailedError,
  FragmentError,
  HandlerError,
  HandshakeError,
  HeartbeatTimeoutError,
  InvalidMessageError,
  InvalidSignalError,
  LinkClosedError,
  MalformedMessageError,
  LinkMediaError,
  MessageTooLargeError,
  ProtocolVersionMismatchError,
  RemoteRequestError,
  RequestTimeoutError,
  SendBufferFullError,
  TooManyRequestsError,
  UnknownMessageKindError,
  silentLogger,
} from '@rallypoint/core';
export type {
  CandidateType,
  CloseReason,
  EventsLaneApi,
  EventsLaneConditions,
  EventsLaneStats,
  InboundMediaStats,
  Lane,
  LaneStats,
  Link,
  LinkCloseEvent,
  LinkConditions,
  LinkDiagnostic,
  LinkEvents,
  LinkInit,
  LinkMediaApi,
  LinkOpenEvent,
  LinkSignal,
  LinkStats,
  LinkStatus,
  LinkTransport,
  LinkTypes,
  Logger,
  MediaStats,
  OutboundMediaStats,
  RemoteRequestFailure,
  RemoteTrack,
  RequestOptions,
  RequestType,
  StateLaneApi,
  StateLaneConditions,
  StateLaneStats,
  StateMessage,
  StateSendResult,
  TransportChangeReason,
  TransportChangedEvent,
} from '@rallypoint/core';
