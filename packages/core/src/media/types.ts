/** The public media types: `link.media` and what it reports. Types only. */
/** `link.media`: send tracks to the peer and hear the peer's. */
export interface LinkMediaApi {
  /**
   * Send a track to the peer. It goes out once a direct (or TURN) connection is open, and moves
   * to every later one; adding it renegotiates through the link's own signaling.
   * Throws `LinkMediaError` if the track is added already.
   */
  addTrack(track: MediaStreamTrack, stream: MediaStream): void;
  /** Stop sending a track added with `addTrack` (renegotiates). Unknown tracks are ignored. */
  removeTrack(track: MediaStreamTrack): void;
  /**
   * Send `replacement` in place of `track` (an added one), or nothing with `null`, without
   * renegotiating: this is how to mute. `replaceTrack(track, track)` sends it again.
   */
  replaceTrack(track: MediaStreamTrack, replacement: MediaStreamTrack | null): Promise<void>;
  /** Tracks added with `addTrack` (the originals, whatever each sends now). */
  readonly localTracks: readonly MediaStreamTrack[];
  /** The peer's tracks now arriving on this link. */
  readonly remoteTracks: readonly RemoteTrack[];
  /** True while a direct or TURN connection is open: media flows only then (never on the relay). */
  readonly available: boolean;
  /** RTP figures of the current connection; empty lists when none is open. */
  stats(): Promise<MediaStats>;
}

/** One of the peer's tracks, with the stream the peer added it in. */
export interface RemoteTrack {
  /** The track: play it (an `<audio>` element, or Web Audio). */
  track: MediaStreamTrack;
  /** The stream the peer added it in (tracks added together share one). */
  stream: MediaStream;
}

/** RTP figures of one link (`link.media.stats()`), from the connection's `getStats()`. */
export interface MediaStats {
  /** One per stream received from the peer. */
  inbound: InboundMediaStats[];
  /** One per stream sent to the peer. */
  outbound: OutboundMediaStats[];
  /** Offers after the first, on every connection this link had (made here or received). */
  renegotiations: number;
}

/** One `inbound-rtp` stream. Figures a browser does not report are left out. */
export interface InboundMediaStats {
  /** `audio` or `video`. */
  kind: string;
  /** The remote track's id, when the browser names it. */
  trackIdentifier?: string;
  /** RTP payload bytes received. */
  bytesReceived: number;
  /** RTP packets received. */
  packetsReceived: number;
  /** RTP packets that never arrived (by sequence number; may dip when late ones do). */
  packetsLost: number;
  /** 0..1, the level just played out. */
  audioLevel?: number;
  /** Σ level² × duration: the difference over an interval, divided by its duration, is the mean power. */
  totalAudioEnergy?: number;
  /** Seconds of audio played out (audio only). */
  totalSamplesDuration?: number;
  /** Audio samples received (audio only). */
  totalSamplesReceived?: number;
  /** RTP's interarrival jitter, in ms. */
  jitterMs?: number;
}

/** One `outbound-rtp` stream, with the level of its source where the browser reports it. */
export interface OutboundMediaStats {
  /** `audio` or `video`. */
  kind: string;
  /** RTP payload bytes. */
  bytesSent: number;
  /** RTP header bytes (header extensions included), where the browser reports them. */
  headerBytesSent?: number;
  /** RTP packets sent. */
  packetsSent: number;
  /** 0..1, the level of the local source (`media-source` stats). */
  audioLevel?: number;
}


/** The media of one connection, as the link's media moves tracks onto it (media/path-media.ts). */
export interface ConnectionMedia {
  /** The peer's tracks arriving on this connection. */
  readonly remoteTracks: readonly RemoteTrack[];
  /** Offers after the first on this connection. */
  readonly renegotiations: number;
  add(track: MediaStreamTrack, stream: MediaStream): void;
  remove(track: MediaStreamTrack): void;
  replace(track: MediaStreamTrack, replacement: MediaStreamTrack | null): Promise<void>;
  stats(): Promise<Omit<MediaStats, 'renegotiations'>>;
}

/** What a connection's media tells the link. */
export interface PathMediaHandlers {
  track(remote: RemoteTrack): void;
  trackEnded(remote: RemoteTrack): void;
  /** The connection is going away. */
  closed(media: ConnectionMedia): void;
}
