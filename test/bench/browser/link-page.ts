/**
 * The page side of browser.link: one rallypoint link and one raw RTCDataChannel pair member,
 * driven by the benchmark through `window.linkBench`. Signals go out through `benchSignal`
 * (exposed by the benchmark) and come in through `linkBench.signal`.
 */
import { createLink, type Link } from '@rallypoint/core';

declare global {
  interface Window {
    benchSignal(kind: 'link' | 'raw', data: unknown): void;
    linkBench: typeof api;
  }
}

let link: Link<{ state: Uint8Array }> | undefined;
let pc: RTCPeerConnection | undefined;
let raw: RTCDataChannel | undefined;
const payload = new Uint8Array(64).fill(7);

const api = {
  async start(initiator: boolean): Promise<void> {
    link = createLink<{ state: Uint8Array }>({ initiator });
    link.on('signal', (data) => window.benchSignal('link', data));
    link.state.onMessage(({ payload: p }) => {
      if (!initiator) link!.state.send(p);
    });
    pc = new RTCPeerConnection();
    raw = pc.createDataChannel('raw-state', { negotiated: true, id: 5, ordered: false, maxRetransmits: 0 });
    raw.binaryType = 'arraybuffer';
    if (!initiator) raw.onmessage = (e) => raw!.send(e.data as ArrayBuffer);
    pc.onicecandidate = (e) => e.candidate !== null && window.benchSignal('raw', { candidate: e.candidate.toJSON() });
    if (initiator) {
      await pc.setLocalDescription(await pc.createOffer());
      window.benchSignal('raw', { description: pc.localDescription!.toJSON() });
    }
  },
  async signal(kind: 'link' | 'raw', data: { candidate?: RTCIceCandidateInit; description?: RTCSessionDescriptionInit }): Promise<void> {
    if (kind === 'link') return link!.signal(data as never);
    if (data.description !== undefined) {
      await pc!.setRemoteDescription(data.description);
      if (data.description.type === 'offer') {
        await pc!.setLocalDescription(await pc!.createAnswer());
        window.benchSignal('raw', { description: pc!.localDescription!.toJSON() });
      }
    } else if (data.candidate !== undefined) await pc!.addIceCandidate(data.candidate);
  },
  ready(): boolean {
    return link?.status === 'open' && raw?.readyState === 'open';
  },
  /** `count` sequential round trips on one path, in ms. */
  async pingPong(which: 'link' | 'raw', count: number): Promise<number[]> {
    const samples: number[] = [];
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        if (which === 'link') {
          const off = link!.state.onMessage(() => (off(), resolve()));
          link!.state.send(payload);
        } else {
          raw!.onmessage = () => resolve();
          raw!.send(payload);
        }
      });
      samples.push(performance.now() - t0);
    }
    return samples;
  },
};
window.linkBench = api;
