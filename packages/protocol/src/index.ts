/**
 * @rallypoint/protocol — the lobby wire protocol shared by @rallypoint/server and
 * @rallypoint/lobby: message names, error and close codes, payload types, runtime validation
 * (valibot) and limits. Nothing else depends on it and it depends on nothing but valibot.
 *
 * @example
 * import { ClientMessage, ClientMessageSchemas, validate } from '@rallypoint/protocol';
 *
 * const result = validate(ClientMessageSchemas[ClientMessage.Signal], untrusted);
 * if (!result.ok) refuse(result.message);
 */
export { LobbyLimits, RoomCodeFormat, generateRoomCode, inviteLink, normalizeRoomCode } from './limits.js';
export { ClientMessage, ListingMessage, LobbyCloseCode, LobbyErrorCode, RoomName, ServerMessage, Topology, lobbyErrorName } from './messages.js';
export { RELAY_MAX_ID_BYTES, RELAY_MESSAGE, RELAY_OVERHEAD_BYTES, RelayBudget, RelayLaneCode, decodeRelayFrame, encodeRelayFrame } from './relay.js';
export type { RelayFrame, RelayLaneName, RelayTerms } from './relay.js';
export {
  ClientMessageSchemas,
  CreateOptionsSchema,
  JoinOptionsSchema,
  ListingFilterSchema,
  RestoreSchema,
  RestoredRoomSchema,
  RoomOptionsSchema,
  SignalDataSchema,
  plainDataSize,
  validate,
} from './schemas.js';

export type {
  ClientMessagePayloads,
  JoinOptions,
  ListingFilter,
  Restore,
  RestoredRoom,
  RoomOptions,
  RoomSettings,
  SignalData,
  ValidationResult,
} from './schemas.js';
export type {
  ClosingPayload,
  ErrorPayload,
  HostChangedPayload,
  IceServer,
  Member,
  MemberLeftPayload,
  RoomListing,
  RoomStatus,
  ServerMessagePayloads,
  SignalPayload,
  WelcomePayload,
} from './payloads.js';
