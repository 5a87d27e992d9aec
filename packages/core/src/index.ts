/**
 * @rallypoint/core — one peer link for real-time games, over a WebRTC connection:
 *
 * - `link.state`: unreliable, unordered, newest-wins (snapshots, inputs);
 * - `link.events`: reliable, ordered named events and request/response (joins, hits, chat);
 *
 * both msgpack-encoded, with heartbeats, RTT/jitter/loss stats, backpressure, fragmentation of
 * large events and an optional link conditioner. Signaling is yours to carry (the lobby does it).
 *
 * @example
 * import { createLink } from '@rallypoint/core'; // in Node: '@rallypoint/core/node'
 *
 * const link = createLink<{ events: { chat: string }; state: { x: number; y: number } }>({ initiator: true });
 * link.on('signal', (data) => sendToOtherSide(data)); // and call link.signal(data) with theirs
 * link.on('open', () => link.events.emit('chat', 'hello'));
 * link.events.on('chat', (text) => console.log(text));
 * link.state.onMessage(({ payload, sentAt }) => draw(payload, sentAt));
 * setInterval(() => link.state.send({ x: player.x, y: player.y }), 50);
 */
export { createLink } from './link/link.js';
export { RELAY_ONLY_FIELD, hasTurnServer } from './link/signals.js';
export { DEFAULT_RELAY_AFTER_MS } from './link/options.js';
export { PendingEvents } from './lanes/pending-events.js';
export { LinkConditioner, createSeededRandom, planEventsDelivery, planStateDelivery } from './lanes/conditioner.js';
export { DEFAULT_MAX_MESSAGE_SIZE, globalRtc } from './paths/rtc.js';
export { FrameKind, LINK_PROTOCOL_VERSION, MAX_STRUCTURES } from './wire/frames.js';
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
  LinkMediaError,
  MalformedMessageError,
  MessageTooLargeError,
  ProtocolVersionMismatchError,
  RemoteRequestError,
  RequestTimeoutError,
  SendBufferFullError,
  TooManyRequestsError,
  UnknownMessageKindError,
  withCause,
} from './errors.js';
export { silentLogger } from './types.js';
export { outOfRange, type NumberRange } from './ranges.js';
export { linkInitProblem } from './link/options.js';
export { UnheardErrors, consoleLogger } from './unheard.js';
export { Emitter } from './emitter.js';

export type { Link } from './link/link.js';
export type { OpenLink } from './link/open-link.js';
export type { Listener } from './emitter.js';
export type { EventsLaneApi, RequestOptions, StateLaneApi } from './lanes/types.js';
export type { CandidateType, LaneChannel, LinkDiagnostic, LinkRelay, RelayLane, RtcImplementation } from './paths/types.js';
export type { InboundMediaStats, LinkMediaApi, MediaStats, OutboundMediaStats, RemoteTrack } from './media/types.js';
export type { Scheduler } from './lanes/conditioner.js';
export type { PendingEventsLimits } from './lanes/pending-events.js';
export type { RemoteRequestFailure } from './errors.js';
export type { EventsLaneStats, LaneStats, LinkStats, StateLaneStats } from './stats-types.js';
export type {
  CloseReason,
  DecodeLimits,
  EventsLaneConditions,
  EventsOf,
  Lane,
  LinkCloseEvent,
  LinkConditions,
  LinkEvents,
  LinkInit,
  LinkOpenEvent,
  LinkSignal,
  LinkStatus,
  LinkTransport,
  LinkTypes,
  Logger,
  RequestType,
  RequestsOf,
  StateMessage,
  StateOf,
  StateLaneConditions,
  StateSendResult,
  TransportChangeReason,
  TransportChangedEvent,
} from './types.js';
