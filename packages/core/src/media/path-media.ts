/**
 * The media of one connection (one `PeerPath`): audio (or video) tracks on a link's WebRTC
 * connection beside the two data lanes, its offers and its RTP stats.
 *
 * Negotiation follows the link's initiator rule (paths/rtc-peer.ts): only the initiator
 * makes offers. The other side asks for one (a `renegotiate` signal) and, for a track the offer
 * would have no m-line for, asks the initiator to add a receive-only transceiver first (a
 * `transceiverRequest`), which its own track then takes over. Offers never cross, so there is no
 * glare to resolve. The data channels live on the same connection and keep flowing throughout.
 *
 * A link may replace its connection mid-game (link/connections.ts); the tracks added move to
 * each new connection once it is open (link-media.ts), and the peer's tracks on the old one end
 * (`trackEnded`). The lobby relay carries no media.
 */
import { LinkMediaError } from '../errors.js';
import type { ConnectionMedia, InboundMediaStats, MediaStats, OutboundMediaStats, PathMediaHandlers, RemoteTrack } from './types.js';

/** What of the connection (`RtcPeer`) the media uses. */
export interface MediaPeer {
  on(event: 'track', fn: (track: MediaStreamTrack, stream: MediaStream) => void): unknown;
  addTrack(track: MediaStreamTrack, stream: MediaStream): void;
  removeTrack(track: MediaStreamTrack, stream: MediaStream): void;
  addTransceiver(kind: string, init: RTCRtpTransceiverInit): void;
}

/** The media of one RTCPeerConnection (one `PeerPath`). */
export class PathMedia implements ConnectionMedia {
  #remote: RemoteTrack[] = [];
  readonly #senders = new Map<MediaStreamTrack, { sender: RTCRtpSender; stream: MediaStream }>();
  /** Offers made (initiator) or received (the other side) on this connection. */
  #offers = 0;
  #closed = false;

  constructor(
    private readonly peer: MediaPeer,
    private readonly pc: RTCPeerConnection,
    private readonly initiator: boolean,
    private readonly handlers: PathMediaHandlers,
  ) {
    peer.on('track', (track: MediaStreamTrack, stream: MediaStream) => this.#onTrack(track, stream));
  }

  get remoteTracks(): readonly RemoteTrack[] {
    return this.#remote;
  }

  get renegotiations(): number {
    return Math.max(0, this.#offers - 1);
  }

  /** Every offer that passes, made here or received (see `renegotiations`). */
  countOffer(): void {
    this.#offers++;
  }

  add(track: MediaStreamTrack, stream: MediaStream): void {
    if (this.#closed) return;
    // A transceiver the initiator opened towards us that nothing sends on yet: addTrack takes it
    // over, and the next offer (asked for by RtcPeer) carries the track. Without one, the
    // offer would have no m-line for it: ask the initiator for a transceiver too.
    const free = !this.initiator && this.pc.getTransceivers().some((t) => this.#isFree(t, track.kind));
    try {
      this.peer.addTrack(track, stream);
    } catch (cause) {
      // node-datachannel's RTCPeerConnection throws "Not implemented": it carries no media.
      throw new LinkMediaError(`This connection cannot carry the track (${describe(cause)})`, { cause });
    }
    const sender = this.pc.getSenders().find((s) => s.track === track);
    if (sender !== undefined) this.#senders.set(track, { sender, stream });
    if (!this.initiator && !free) this.peer.addTransceiver(track.kind, { direction: 'recvonly' });
  }

  remove(track: MediaStreamTrack): void {
    const entry = this.#senders.get(track);
    if (entry === undefined || this.#closed) return;
    this.#senders.delete(track);
    this.peer.removeTrack(track, entry.stream);
  }

  async replace(track: MediaStreamTrack, replacement: MediaStreamTrack | null): Promise<void> {
    const entry = this.#senders.get(track);
    if (entry === undefined || this.#closed) return;
    await entry.sender.replaceTrack(replacement);
  }

  async stats(): Promise<Omit<MediaStats, 'renegotiations'>> {
    const inbound: InboundMediaStats[] = [];
    const outbound: OutboundMediaStats[] = [];
    if (this.#closed) return { inbound, outbound };
    const report = await this.pc.getStats();
    const sourceLevels = new Map<string, number>();
    report.forEach((entry: Record<string, unknown>) => {
      if (entry.type === 'media-source' && typeof entry.audioLevel === 'number') sourceLevels.set(String(entry.id), entry.audioLevel);
    });
    report.forEach((entry: Record<string, unknown>) => {
      if (entry.type === 'inbound-rtp') inbound.push(inboundOf(entry));
      else if (entry.type === 'outbound-rtp') {
        const level = typeof entry.mediaSourceId === 'string' ? sourceLevels.get(entry.mediaSourceId) : undefined;
        outbound.push({
          kind: String(entry.kind ?? entry.mediaType ?? ''),
          bytesSent: numberOr0(entry.bytesSent),
          ...(typeof entry.headerBytesSent === 'number' ? { headerBytesSent: entry.headerBytesSent } : {}),
          packetsSent: numberOr0(entry.packetsSent),
          ...(level === undefined ? {} : { audioLevel: level }),
        });
      }
    });
    return { inbound, outbound };
  }

  /** The connection is going: the peer's tracks on it end. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#senders.clear();
    for (const remote of this.#remote.splice(0)) this.handlers.trackEnded(remote);
    this.handlers.closed(this);
  }

  #isFree(transceiver: RTCRtpTransceiver, kind: string): boolean {
    return (
      transceiver.mid !== null &&
      transceiver.receiver.track.kind === kind &&
      transceiver.sender.track === null &&
      transceiver.currentDirection !== 'stopped' &&
      ![...this.#senders.values()].some((entry) => entry.sender === transceiver.sender)
    );
  }

  #onTrack(track: MediaStreamTrack, stream: MediaStream): void {
    if (this.#closed) return;
    const remote: RemoteTrack = { track, stream };
    this.#remote.push(remote);
    // The peer removed it (and renegotiated): the stream says so.
    const onRemove = (event: MediaStreamTrackEvent) => {
      if (event.track !== track) return;
      stream.removeEventListener('removetrack', onRemove);
      const index = this.#remote.indexOf(remote);
      if (index < 0) return;
      this.#remote.splice(index, 1);
      this.handlers.trackEnded(remote);
    };
    stream.addEventListener('removetrack', onRemove);
    this.handlers.track(remote);
  }
}

/** The link's side: the tracks the game added, sent on whichever connection is current. */
function inboundOf(entry: Record<string, unknown>): InboundMediaStats {
  const figure = (name: string): Record<string, number> => (typeof entry[name] === 'number' ? { [name]: entry[name] } : {});
  return {
    kind: String(entry.kind ?? entry.mediaType ?? ''),
    ...(typeof entry.trackIdentifier === 'string' ? { trackIdentifier: entry.trackIdentifier } : {}),
    bytesReceived: numberOr0(entry.bytesReceived),
    packetsReceived: numberOr0(entry.packetsReceived),
    packetsLost: numberOr0(entry.packetsLost),
    ...figure('audioLevel'),
    ...figure('totalAudioEnergy'),
    ...figure('totalSamplesDuration'),
    ...figure('totalSamplesReceived'),
    ...(typeof entry.jitter === 'number' ? { jitterMs: entry.jitter * 1000 } : {}),
  };
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const numberOr0 = (value: unknown): number => (typeof value === 'number' ? value : 0);
