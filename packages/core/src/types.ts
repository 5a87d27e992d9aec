/**
 * The public types of a link, shared by the lanes and the link itself. Types only, and it imports
 * only types: those that belong to paths and media live there (paths/types.ts, media/types.ts).
 */
import type { RemoteTrack } from './media/types.js';
import type { CandidateType, Lane, LinkDiagnostic, LinkRelay, LinkSignal, RtcImplementation } from './paths/types.js';

export type { Lane, LinkSignal };

/** What a request sends and what its handler answers. */
export interface RequestType {
  /** What `events.request(name, …)` sends. */
  request: unknown;
  /** What the peer's handler answers with. */
  response: unknown;
}

/**
 * Describes a game's messages so every lane call is typed. All parts are optional:
 * `createLink<{ events: { hit: { by: string } }; state: { x: number } }>(…)`.
 */
export interface LinkTypes {
  /** Each event's name and payload (`events.emit(name, payload)`). */
  events?: Record<string, unknown>;
  /** Each request's name, what it sends and what its answer is (`events.request(name, …)`). */
  requests?: Record<string, RequestType>;
  /** The one payload type the state lane carries (`state.send(payload)`). */
  state?: unknown;
}

/** The events of a `LinkTypes` (any named payloads when it names none). */
export type EventsOf<T extends LinkTypes> = T['events'] extends Record<string, unknown> ? T['events'] : Record<string, unknown>;
/** The requests of a `LinkTypes` (any when it names none). */
export type RequestsOf<T extends LinkTypes> =
  T['requests'] extends Record<string, RequestType> ? T['requests'] : Record<string, RequestType>;
/** The state payload of a `LinkTypes` (unknown when it names none). */
export type StateOf<T extends LinkTypes> = 'state' extends keyof T ? T['state'] : unknown;

/** Why a link closed. */
export type CloseReason =
  /** `close()` was called on this side. */
  | 'local'
  /** The other side closed (said goodbye, or its channels closed). */
  | 'remote'
  /** No traffic on any path for `heartbeatTimeoutMs`, or not open within `connectTimeoutMs`. */
  | 'timeout'
  /** ICE, DTLS or a data channel failed. */
  | 'connection-failed'
  /** The two sides cannot talk: version mismatch or an unreadable hello. */
  | 'protocol-error';

/** The `close` event: why the link closed. */
export interface LinkCloseEvent {
  /** Why it closed (see `CloseReason`). */
  reason: CloseReason;
  /** The named error behind the close, for every reason but `local` and a clean `remote`. */
  error?: Error;
}

/** The `open` event: both lanes are usable. */
export interface LinkOpenEvent {
  /** The largest single message the remote accepts; larger events are fragmented. */
  maxMessageSize: number;
  /** How the lanes travel (see `link.transport`). */
  transport: LinkTransport;
}

/** How a link's lanes travel: a direct connection, one through a TURN server, or the lobby relay. */
export type LinkTransport = 'p2p' | 'turn' | 'relay';

/**
 * Why the transport changed: the connection went silent or failed (`path-lost`), a direct
 * connection opened again (`direct-path`), or the connection's selected candidate pair turned
 * out to be (or became) a TURN one (`candidate`).
 */
export type TransportChangeReason = 'path-lost' | 'direct-path' | 'candidate';

/** The `transportChanged` event: how the lanes travel now, how they did, and why it changed. */
export interface TransportChangedEvent {
  /** How the lanes travel now. */
  transport: LinkTransport;
  /** How they travelled before. */
  previous: LinkTransport;
  /** Why they moved. */
  reason: TransportChangeReason;
}

/** The events a link emits (`link.on(name, fn)`). */
export interface LinkEvents {
  /** Signaling data for the other side. */
  signal: LinkSignal;
  /** Both lanes are open on both sides and the hello has been exchanged. */
  open: LinkOpenEvent;
  /** The link closed for good (once; nothing is sent or received after it). */
  close: LinkCloseEvent;
  /** Bad input from the peer or a throwing handler; the link stays open. */
  error: Error;
  /** RTCPeerConnection state changes. */
  diagnostic: LinkDiagnostic;
  /** A lane's send buffer fell below its low-water mark: a good time to send more. */
  drain: { lane: Lane };
  /**
   * The lanes moved to another path (see `link.transport`); nothing sent is lost or doubled on
   * the events lane, and the state lane goes on from the newest state.
   */
  transportChanged: TransportChangedEvent;
  /** A track from the peer (see `link.media`); it plays until `trackEnded`. */
  track: RemoteTrack;
  /** A peer's track ended: removed by the peer, or its connection is gone. */
  trackEnded: RemoteTrack;
}

/** One state-lane message as received. */
export interface StateMessage<S> {
  /** The state, as the sender passed it to `state.send()`. */
  payload: S;
  /** The sender's state-lane sequence number (newer is larger). */
  seq: number;
  /** When the sender sent it, on the sender's clock (`now()`), in ms. */
  sentAt: number;
  /** When it arrived, on this side's clock, in ms. */
  receivedAt: number;
}

/**
 * `sent`: handed to the data channel. `queued`: the channel is backed up; this message waits and
 * replaces any older unsent state. `not-open`: the link is not open (yet, or any more); dropped.
 */
export type StateSendResult = 'sent' | 'queued' | 'not-open';

/** A link's life: `connecting`, then `open`, then `closed` for good. */
export type LinkStatus = 'connecting' | 'open' | 'closed';

/** Where the library writes what it does; it never uses `console` itself. pino fits this shape. */
export interface Logger {
  debug(data: Record<string, unknown>, message: string): void;
  warn(data: Record<string, unknown>, message: string): void;
}

/** A logger that writes nothing: pass it as `logger` to mute a link or a lobby. */
export const silentLogger: Logger = { debug: () => undefined, warn: () => undefined };

/** How much one message from the peer may hold; checked before it is decoded. */
export interface DecodeLimits {
  /** Deepest nesting of arrays, maps and objects in a payload. @default 64 */
  maxDepth: number;
  /**
   * Most values in one message (keys, items and containers, each counts one; a byte array is one
   * value). Decoding costs about 0.2 µs a value: the default bounds one message to ~25 ms.
   * @default 131072
   */
  maxNodes: number;
}

/** Simulated network conditions on the state lane: delay, jitter, loss, duplication and reordering. */
export interface StateLaneConditions {
  /** Added one-way delay. @default 0 */
  latencyMs?: number;
  /** Uniform random extra delay in [0, jitterMs). @default 0 */
  jitterMs?: number;
  /** Probability 0..1 that a message is dropped. @default 0 */
  loss?: number;
  /** Probability 0..1 that a message is sent twice. @default 0 */
  duplicate?: number;
  /** Probability 0..1 that a message is held back long enough to arrive after later ones. @default 0 */
  reorder?: number;
}

/** Simulated conditions on the events lane: delay and jitter; "loss" costs a retransmission round trip, as on a real reliable channel. */
export interface EventsLaneConditions {
  /** Added one-way delay. @default 0 */
  latencyMs?: number;
  /** Uniform random extra delay in [0, jitterMs); order is kept. @default 0 */
  jitterMs?: number;
  /** Probability 0..1 that a message needs a "retransmission": +2 × latencyMs (at least 10 ms). @default 0 */
  loss?: number;
}

/** Simulated network conditions on one side's sends, per lane (see `LinkInit.conditions` and `link.setConditions`). Seeded and deterministic. */
export interface LinkConditions {
  /** Seed for the conditioner's random choices. @default 1 */
  seed?: number;
  /** The state lane's delay, jitter, loss, duplication and reordering. @default none (sent as is) */
  state?: StateLaneConditions;
  /** The events lane's delay, jitter and retransmissions. @default none (sent as is) */
  events?: EventsLaneConditions;
}

/** Options of `createLink`. Only `initiator` is required. */
export interface LinkInit {
  /** Which side makes the offer. Exactly one of the two sides must be the initiator. */
  initiator: boolean;
  /** WebRTC implementation. @default the browser's (`globalThis.RTCPeerConnection`) */
  rtc?: RtcImplementation;
  /** STUN/TURN servers. @default [] (host candidates only: same machine or LAN) */
  iceServers?: RTCIceServer[];
  /** `'relay'` forces TURN. @default 'all' */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** Object shapes (key lists) both lanes encode as a one-byte id instead of keys; at most 32. @default [] */
  structures?: readonly (readonly string[])[];
  /** How often a heartbeat is sent on the state lane, in ms; more than 0. @default 1000 */
  heartbeatIntervalMs?: number;
  /** Close with reason `timeout` after this long without any traffic from the peer, in ms; more than 0 (keep it several heartbeats). @default 5000 */
  heartbeatTimeoutMs?: number;
  /** Close with reason `timeout` if the link is not open this long after creation, in ms; more than 0. @default 20000 */
  connectTimeoutMs?: number;
  /** Largest event accepted in either direction, after encoding, in bytes; a whole number, 1 or more. @default 16 MiB */
  maxEventBytes?: number;
  /**
   * Bytes the events lane's own queue may hold (behind the channel's high-water mark or the
   * handshake): past it `emit()` throws `SendBufferFullError`, and answers to a peer that does not
   * read are dropped and reported. A whole number, 1 or more. @default 2 × maxEventBytes (32 MiB)
   */
  maxQueuedBytes?: number;
  /**
   * Requests awaiting an answer, in each direction: past it our `request()` rejects with
   * `TooManyRequestsError`, and the peer's further requests are dropped and reported. A whole
   * number, 1 or more. @default 256
   */
  maxPendingRequests?: number;
  /**
   * How deep and how many values a message from the peer may hold; larger ones are refused
   * before decoding (`MalformedMessageError`, cause `MsgpackGuardError`).
   * @default { maxDepth: 64, maxNodes: 131072 }
   */
  decodeLimits?: Partial<DecodeLimits>;
  /** Events wait in the link's queue while the channel buffers more than this many bytes; 0 or more. @default 1 MiB */
  eventsHighWaterMarkBytes?: number;
  /** State waits (newest replacing older) while the channel buffers more than this many bytes; 0 or more. @default 64 KiB */
  stateHighWaterMarkBytes?: number;
  /** Default `timeoutMs` of `events.request()`, in ms; more than 0. @default 10000 */
  requestTimeoutMs?: number;
  /**
   * Data channel id of the negotiated state lane: a whole number from 2 to 255, the same on both
   * sides (0 and 1 are the events channel's; with 1000, Firefox's state never reached Chromium:
   * see connections.ts). @default 100
   */
  stateChannelId?: number;
  /** Simulated network conditions on this side's sends. @default none */
  conditions?: LinkConditions;
  /**
   * A way to the peer through a server, for when no direct connection works (the lobby passes
   * its relay here when the server relays). @default none
   */
  relay?: LinkRelay;
  /**
   * With a `relay`: open on it as soon as the peer's link answers there (one round trip through
   * the server), while the direct connection is made beside it; the lanes move to the direct path
   * once it has answered probes end to end and is faster than the relay by a margin, losing and
   * doubling no event. The cost: the server relays the pair's traffic until then (typically a
   * fraction of a second; for good, for the pairs no direct path reaches). `false`: wait
   * `relayAfterMs` for a direct connection first. @default true
   */
  relayFirst?: boolean;
  /**
   * With a `relay` and `relayFirst: false`: if no connection has opened this long after
   * creation, the link opens on the relay (and keeps trying for a direct connection, moving to
   * it when it is confirmed). In ms, 0 or more. @default 5000
   */
  relayAfterMs?: number;
  /**
   * Make direct (WebRTC) connections. `false`: the lanes travel on `relay` only, and no
   * RTCPeerConnection is needed. @default true
   */
  direct?: boolean;
  /**
   * An open connection not heard from this long (ms, 0 or more) is taken for dead: the link moves to the relay
   * (if it has one) and makes a new connection through the same signaling. 0: never (the
   * connection's own failure still counts). @default 2000
   */
  pathTimeoutMs?: number;
  /** Monotonic clock in ms. @default performance.now */
  now?: () => number;
  /**
   * Where the link writes what it does (debug) and what goes wrong (warn). An `error` with no
   * listener is written here too, once per kind a minute. @default warnings to the console
   */
  logger?: Logger;
}
