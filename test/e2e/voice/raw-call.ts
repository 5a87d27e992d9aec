/**
 * The baseline of voice.setup: a call as a library without voice on its data connection makes it
 * (PeerJS's `call`, a hand-written one): a separate RTCPeerConnection with the microphone in its
 * first offer. Signals go through `window.voiceSignal` (exposed by the benchmark) to the other
 * page's `rawCall.signal`.
 */
declare global {
  interface Window {
    voiceSignal(data: unknown): Promise<void>;
  }
}

let pc: RTCPeerConnection | undefined;

function connection(): RTCPeerConnection {
  pc?.close();
  const created = new RTCPeerConnection();
  created.onicecandidate = (event) => {
    if (event.candidate !== null) void window.voiceSignal({ candidate: event.candidate.toJSON() });
  };
  pc = created;
  return created;
}

export const rawCall = {
  /** Calls the other page with the microphone; resolves when the offer is out. */
  async call(): Promise<number> {
    const startedAt = Date.now();
    const created = connection();
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    for (const track of stream.getTracks()) created.addTrack(track, stream);
    const offer = await created.createOffer();
    await created.setLocalDescription(offer);
    await window.voiceSignal({ description: created.localDescription!.toJSON() });
    return startedAt;
  },
  async signal(data: { description?: RTCSessionDescriptionInit; candidate?: RTCIceCandidateInit }): Promise<void> {
    if (data.description?.type === 'offer') {
      const created = connection();
      await created.setRemoteDescription(data.description);
      const answer = await created.createAnswer();
      await created.setLocalDescription(answer);
      await window.voiceSignal({ description: created.localDescription!.toJSON() });
    } else if (data.description !== undefined) await pc!.setRemoteDescription(data.description);
    else if (data.candidate !== undefined) await pc!.addIceCandidate(data.candidate);
  },
  /** Resolves with the wall-clock time audio first arrived on the raw call. */
  async firstAudio(): Promise<number> {
    for (;;) {
      let bytes = 0;
      if (pc !== undefined) (await pc.getStats()).forEach((entry: { type: string; kind?: string; bytesReceived?: number }) => {
        if (entry.type === 'inbound-rtp' && entry.kind === 'audio') bytes += entry.bytesReceived ?? 0;
      });
      if (bytes > 0) return Date.now();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  },
  close(): void {
    pc?.close();
    pc = undefined;
  },
};
