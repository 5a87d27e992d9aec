/**
 * What a path is, to the lanes and the link above it: two channels (one per lane), whether it is
 * open, and what it tells its owner. Types only: the public types (../types.ts) read theirs from
 * here, and nothing here imports an implementation.
 */
import type { ConnectionMedia, PathMediaHandlers } from '../media/types.js';

/** A link's two lanes: `state` (unreliable, newest-wins) and `events` (reliable, ordered). */
export type Lane = 'state' | 'events';

/** What a lane sends through: an RTCDataChannel, or the lobby relay's stand-in for one. */
export interface LaneChannel {
  /** As RTCDataChannel's: `connecting`, `open`, `closing` or `closed`. */
  readonly readyState: string;
  /** Bytes handed to `send()` and not yet sent, as RTCDataChannel's. */
  readonly bufferedAmount: number;
  send(data: Uint8Array<ArrayBuffer>): void;
}

/** What a path tells the link. */
export interface PathHandlers {
  /** Both channels are open: the path can carry the lanes. */
  open(): void;
  /** A message on the events channel (strings too: they are bad input). */
  events(data: Uint8Array | string): void;
  /** A message on the state channel. */
  state(data: unknown): void;
  /** A channel's buffer fell below its low-water mark. */
  drain(lane: Lane): void;
  /** The path is gone (closed by the other side, or failed); `error` names a failure. */
  dead(error?: Error): void;
}

/**
 * One way to the peer that can carry both lanes: a WebRTC connection (`p2p`, direct or through
 * TURN) or the lobby relay (`relay`). The link chooses among its paths; the lanes only see the
 * chosen one's channels.
 */
export interface Path {
  readonly kind: 'p2p' | 'relay';
  /** Both channels open, and the peer there. */
  readonly isOpen: boolean;
  /** The channel of each lane; null until it exists. */
  readonly events: LaneChannel | null;
  readonly state: LaneChannel | null;
  /** Set by every message; the link reads and clears it to see whether the path is alive. */
  heard: boolean;
  close(): void;
}

/** Opaque signaling data: pass it to the other side's `link.signal()` by any means (JSON-safe). */
export interface LinkSignal {
  /** What kind of signal: `offer`, `answer`, `candidate` and the link's own; pass it on whatever it says. */
  type: string;
  [key: string]: unknown;
}

/** What a direct path (a connection) is made with: by the link, through its signaling. */
export interface DirectPathInit {
  /** 0 for the link's first connection; each new one the initiator makes counts up. */
  id: number;
  initiator: boolean;
  rtc: RtcImplementation;
  iceServers: RTCIceServer[];
  iceTransportPolicy: RTCIceTransportPolicy;
  stateChannelId: number;
  lowWaterMarks: { state: number; events: number };
  onSignal(signal: LinkSignal): void;
  onDiagnostic(diagnostic: LinkDiagnostic): void;
  /** ICE connected (again): the selected candidate pair may have changed. */
  onConnected(): void;
  /** The peer's tracks on this connection, and this connection's media going away. */
  media: PathMediaHandlers;
  debug(data: Record<string, unknown>, message: string): void;
}

/**
 * A path that is a connection of its own (`PeerPath`: WebRTC, direct or through TURN), made and
 * replaced by the link through its signaling. Connections are numbered: 0 is the first.
 */
export interface DirectPath extends Path {
  readonly kind: 'p2p';
  readonly id: number;
  /** Closed, here or by the other side, or failed: never opens again. */
  readonly isDead: boolean;
  /** The largest message the remote accepts on this connection. */
  readonly remoteMaxMessageSize: number;
  /** The connection's tracks; null for a connection that carries none. */
  readonly media: ConnectionMedia | null;
  signal(data: LinkSignal): void;
  /** The local candidate type of the selected pair; null until known. */
  candidateType(): Promise<CandidateType | null>;
  /** The lanes are on this path now: its events channel takes the link's low-water mark. */
  useLinkLowWaterMark(): void;
  /** With `letGoodbyeOut`, what was just sent (a goodbye) gets to arrive before the connection goes. */
  close(letGoodbyeOut?: boolean): void;
}

/** Makes a link's direct paths (the default makes `PeerPath`s; tests pass in-memory ones). */
export type DirectPathFactory = (init: DirectPathInit, handlers: PathHandlers) => DirectPath;

/** The three lanes of the relay: the link's two, and the relay's own handshake. */
export type RelayLane = 'events' | 'state' | 'hello';

/**
 * A way to the peer's link through the lobby server (the lobby hands one to each link it makes).
 * Frames go in order and are not lost while the lobby connection holds; what a lost connection
 * drops, the events lane sends again.
 */
export interface LinkRelay {
  /** Send one frame to the peer's link. */
  send(lane: RelayLane, frame: Uint8Array): void;
  /** Bytes waiting to leave on the lobby connection (shared by every link of the session). */
  readonly bufferedAmount: number;
  /** Largest frame the relay carries. */
  readonly maxMessageSize: number;
  /** Frames from the peer's link; returns an unsubscribe function. */
  onFrame(fn: (lane: RelayLane, frame: Uint8Array) => void): () => void;
  /** Called when the link moves its lanes off the relay to a direct path (the lobby tells its server, which counts what it relayed before). */
  left?(): void;
}

/** The platform's WebRTC (only `RTCPeerConnection` is used); the browser's by default. */
export interface RtcImplementation {
  /** The constructor the link makes its connections with. */
  RTCPeerConnection: new (configuration?: RTCConfiguration) => RTCPeerConnection;
  /** The implementation's `RTCSessionDescription`. The link does not use it: it is here so one object fits simple-peer's `wrtc` option too. */
  RTCSessionDescription: unknown;
  /** The implementation's `RTCIceCandidate`; unused by the link, as `RTCSessionDescription`. */
  RTCIceCandidate: unknown;
  /**
   * Set for implementations that fail DTLS when, as the offerer, they receive the answerer's
   * handshake before the answer itself (libdatachannel verifies the certificate at once and, not
   * knowing the fingerprint yet, aborts). The offering link then keeps its ICE candidates out of
   * the offer and sends them only once the answer is applied, so the answerer cannot start early.
   */
  offerCandidatesAfterAnswer?: boolean;
  /**
   * Set for implementations whose DTLS waits a fixed second to resend a lost handshake packet
   * (libdatachannel, libdatachannel#1635): a connection whose ICE has connected but that has not
   * opened shortly after is raced by a fresh one (see connections.ts), so a lost packet costs a
   * few hundred milliseconds, not a second.
   */
  racesDtls?: boolean;
}

/** RTCPeerConnection state changes, surfaced for diagnostics overlays and logs. */
export type LinkDiagnostic =
  | { kind: 'connection-state'; state: RTCPeerConnectionState }
  | { kind: 'ice-connection-state'; state: RTCIceConnectionState }
  | { kind: 'ice-gathering-state'; state: RTCIceGatheringState }
  | { kind: 'signaling-state'; state: RTCSignalingState }
  | { kind: 'ice-candidate-error'; url: string; errorCode: number; errorText: string; address: string | null; port: number | null };

/** The local ICE candidate type of a connection's selected pair: `host` (direct), `srflx`/`prflx` (through NAT), `relay` (through TURN). */
export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';
