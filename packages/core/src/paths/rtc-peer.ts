/**
 * One RTCPeerConnection with its offer/answer and trickled candidates: the part of simple-peer
 * a link used, over the platform's own WebRTC (the browser's, or node-datachannel's polyfill),
 * without simple-peer's Node stream, Buffer and process ports (most of a page's networking
 * weight). It speaks simple-peer's signals, so the lobby and older tooling read them as before:
 * `{ type: 'offer' | 'answer', sdp }`, `{ type: 'candidate', candidate }`, `{ type: 'renegotiate' }`
 * and `{ type: 'transceiverRequest', transceiverRequest: { kind, init } }`.
 *
 * Negotiation follows simple-peer's rule: only the initiator makes offers; the other side asks
 * for one (`renegotiate`), or for a transceiver it needs (`transceiverRequest`). One negotiation
 * at a time; what is asked meanwhile is made once the connection is stable again. The initiator
 * creates the events channel (`channelName`); the other side is told of it (`datachannel`).
 */
import type { LinkSignal, RtcImplementation } from './types.js';

export interface RtcPeerInit {
  initiator: boolean;
  rtc: RtcImplementation;
  config: RTCConfiguration;
  channelName: string;
  /** A signal for the other side. */
  signal(signal: LinkSignal): void;
  /** The events channel: created here (initiator) or announced by the other side. */
  channel(channel: RTCDataChannel): void;
  /** The connection failed, or closed, or the events channel did: it will not carry anything again. */
  closed(error?: Error): void;
  debug(data: Record<string, unknown>, message: string): void;
}

type TrackListener = (track: MediaStreamTrack, stream: MediaStream) => void;

export class RtcPeer {
  readonly pc: RTCPeerConnection;
  #negotiating = false;
  #queued = false;
  #batched = false;
  #firstNegotiation = true;
  #pendingCandidates: RTCIceCandidateInit[] = [];
  #closed = false;
  readonly #trackListeners: TrackListener[] = [];
  /** Senders Firefox would not remove before the connection is stable again. */
  #removeWhenStable: RTCRtpSender[] = [];

  constructor(private readonly init: RtcPeerInit) {
    const pc = new init.rtc.RTCPeerConnection(init.config);
    this.pc = pc;
    pc.addEventListener('icecandidate', (event) => {
      const { candidate } = event;
      if (this.#closed || candidate === null || candidate.candidate === '') return;
      init.signal({ type: 'candidate', candidate: { candidate: candidate.candidate, sdpMLineIndex: candidate.sdpMLineIndex, sdpMid: candidate.sdpMid } });
    });
    pc.addEventListener('signalingstatechange', () => this.#onSignalingState());
    pc.addEventListener('iceconnectionstatechange', () => {
      if (pc.iceConnectionState === 'failed') this.#fail(new Error('Ice connection failed.'));
      else if (pc.iceConnectionState === 'closed') this.#fail(new Error('Ice connection closed.'));
    });
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'failed') this.#fail(new Error('Connection failed.'));
    });
    pc.addEventListener('track', (event) => {
      if (this.#closed) return;
      for (const stream of event.streams) for (const listener of this.#trackListeners) listener(event.track, stream);
    });
    if (init.initiator) {
      this.#setUp(pc.createDataChannel(init.channelName));
    } else {
      pc.addEventListener('datachannel', (event) => {
        if (event.channel.label === init.channelName) this.#setUp(event.channel);
      });
    }
    this.#needsNegotiation();
  }

  /** What the other side signaled. Throws on a signal that is none of the kinds above. */
  signal(data: LinkSignal): void {
    if (this.#closed) return;
    const { candidate, sdp, transceiverRequest } = data as { candidate?: RTCIceCandidateInit; sdp?: string; transceiverRequest?: { kind: string; init?: RTCRtpTransceiverInit } };
    if (data.type === 'renegotiate') {
      if (this.init.initiator) this.#needsNegotiation();
    } else if (data.type === 'transceiverRequest' && transceiverRequest !== undefined) {
      if (this.init.initiator) this.addTransceiver(transceiverRequest.kind, transceiverRequest.init ?? {});
    } else if (data.type === 'candidate' && typeof candidate === 'object' && candidate !== null) {
      if (this.pc.remoteDescription?.type) this.#addCandidate(candidate);
      else this.#pendingCandidates.push(candidate);
    } else if ((data.type === 'offer' || data.type === 'answer') && typeof sdp === 'string') {
      this.pc.setRemoteDescription({ type: data.type, sdp }).then(
        () => {
          if (this.#closed) return;
          for (const pending of this.#pendingCandidates.splice(0)) this.#addCandidate(pending);
          if (this.pc.remoteDescription?.type === 'offer') void this.#describe(() => this.pc.createAnswer());
        },
        (error: unknown) => this.#fail(asError(error)),
      );
    } else {
      throw new Error(`not a signal this connection takes: ${JSON.stringify(data.type)}`);
    }
  }

  on(_event: 'track', listener: TrackListener): void {
    this.#trackListeners.push(listener);
  }

  addTrack(track: MediaStreamTrack, stream: MediaStream): void {
    this.pc.addTrack(track, stream);
    this.#needsNegotiation();
  }

  removeTrack(track: MediaStreamTrack): void {
    const sender = this.pc.getSenders().find((s) => s.track === track);
    if (sender === undefined) return;
    try {
      this.pc.removeTrack(sender);
    } catch (error) {
      // Firefox refuses while an offer is out (bugzilla 1133874): after it, then.
      if ((error as Error).name !== 'NS_ERROR_UNEXPECTED') throw error;
      this.#removeWhenStable.push(sender);
    }
    this.#needsNegotiation();
  }

  /** The initiator adds it and offers; the other side asks the initiator to. */
  addTransceiver(kind: string, init: RTCRtpTransceiverInit): void {
    if (!this.init.initiator) {
      this.init.signal({ type: 'transceiverRequest', transceiverRequest: { kind, init } });
      return;
    }
    this.pc.addTransceiver(kind, init);
    this.#needsNegotiation();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.pc.close();
    } catch (error) {
      this.init.debug({ error }, 'closing the RTCPeerConnection failed');
    }
  }

  #setUp(channel: RTCDataChannel): void {
    channel.binaryType = 'arraybuffer';
    channel.addEventListener('close', () => this.#fail());
    channel.addEventListener('error', (event) => this.#fail((event as RTCErrorEvent).error ?? new Error('data channel error')));
    this.init.channel(channel);
  }

  /** Batches what is asked in one turn: the initiator offers, the other side asks for an offer. */
  #needsNegotiation(): void {
    if (this.#batched) return;
    this.#batched = true;
    queueMicrotask(() => {
      this.#batched = false;
      // The other side's first negotiation is the initiator's offer.
      const first = this.#firstNegotiation;
      this.#firstNegotiation = false;
      if (this.#closed || (first && !this.init.initiator)) return;
      if (this.#negotiating) {
        this.#queued = true;
        return;
      }
      this.#negotiating = true;
      // The offer in a task of its own: made in the task that created the link, Chromium held the
      // link's relay handshake (sent in that task) back by ~150 ms p50 in peers.connect (31 ms after).
      if (this.init.initiator) setTimeout(() => void this.#describe(() => this.pc.createOffer()), 0);
      else this.init.signal({ type: 'renegotiate', renegotiate: true });
    });
  }

  /** Make our offer or answer (`create`), apply it, and send it. */
  async #describe(create: () => Promise<RTCSessionDescriptionInit>): Promise<void> {
    try {
      const description = await create();
      if (this.#closed) return;
      await this.pc.setLocalDescription(description);
      if (this.#closed) return;
      const local = this.pc.localDescription ?? description;
      this.init.signal({ type: local.type, sdp: local.sdp });
    } catch (error) {
      this.#fail(asError(error));
    }
  }

  #addCandidate(candidate: RTCIceCandidateInit): void {
    this.pc.addIceCandidate(candidate).catch((error: unknown) => {
      // mDNS (`.local`) candidates, and ones a stack does not support, are skipped, as browsers do.
      this.init.debug({ error, candidate: candidate.candidate }, 'ICE candidate not added');
    });
  }

  #onSignalingState(): void {
    if (this.#closed || this.pc.signalingState !== 'stable') return;
    this.#negotiating = false;
    for (const sender of this.#removeWhenStable.splice(0)) {
      this.pc.removeTrack(sender);
      this.#queued = true;
    }
    if (this.#queued) {
      this.#queued = false;
      this.#needsNegotiation();
    }
  }

  #fail(error?: Error): void {
    if (this.#closed) return;
    this.close();
    this.init.closed(error);
  }
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));
