/**
 * Reading the injected RTCPeerConnection implementation: finding the browser's, turning its state
 * changes into typed diagnostics, and reading the selected candidate pair and message size limits.
 */
import type { CandidateType, LinkDiagnostic, RtcImplementation } from './types.js';

/** The browser's WebRTC, or undefined where there is none (Node: use `@rallypoint/core/node`). */
export function globalRtc(): RtcImplementation | undefined {
  const g = globalThis as Partial<RtcImplementation>;
  if (g.RTCPeerConnection === undefined) return undefined;
  return {
    RTCPeerConnection: g.RTCPeerConnection,
    RTCSessionDescription: g.RTCSessionDescription,
    RTCIceCandidate: g.RTCIceCandidate,
  };
}

export function watchConnection(pc: RTCPeerConnection, report: (d: LinkDiagnostic) => void): () => void {
  const listeners: Array<[string, (event: Event) => void]> = [
    ['connectionstatechange', () => report({ kind: 'connection-state', state: pc.connectionState })],
    ['iceconnectionstatechange', () => report({ kind: 'ice-connection-state', state: pc.iceConnectionState })],
    ['icegatheringstatechange', () => report({ kind: 'ice-gathering-state', state: pc.iceGatheringState })],
    ['signalingstatechange', () => report({ kind: 'signaling-state', state: pc.signalingState })],
    [
      'icecandidateerror',
      (event) => {
        const e = event as RTCPeerConnectionIceErrorEvent;
        report({
          kind: 'ice-candidate-error',
          url: e.url ?? '',
          errorCode: e.errorCode ?? 0,
          errorText: e.errorText ?? '',
          address: e.address ?? null,
          port: e.port ?? null,
        });
      },
    ],
  ];
  for (const [name, fn] of listeners) pc.addEventListener(name, fn);
  return () => {
    for (const [name, fn] of listeners) pc.removeEventListener(name, fn);
  };
}

interface StatLike {
  type?: string;
  id?: string;
  selectedCandidatePairId?: string;
  localCandidateId?: string;
  candidateType?: string;
  selected?: boolean;
  nominated?: boolean;
  state?: string;
}

/** The local candidate type of the selected pair, from getStats(); null if not known yet. */
export async function selectedCandidateType(pc: RTCPeerConnection): Promise<CandidateType | null> {
  const report = await pc.getStats();
  const stats = new Map<string, StatLike>();
  report.forEach((value: StatLike, key: string) => stats.set(value.id ?? key, value));
  let pair: StatLike | undefined;
  for (const s of stats.values()) {
    if (s.type === 'transport' && s.selectedCandidatePairId !== undefined) pair = stats.get(s.selectedCandidatePairId);
  }
  // Firefox marks the pair instead of naming it on the transport.
  pair ??= [...stats.values()].find((s) => s.type === 'candidate-pair' && (s.selected === true || (s.nominated === true && s.state === 'succeeded')));
  const local = pair?.localCandidateId === undefined ? undefined : stats.get(pair.localCandidateId);
  const type = local?.candidateType;
  return type === 'host' || type === 'srflx' || type === 'prflx' || type === 'relay' ? type : null;
}

/** Default when neither side says: the size every WebRTC stack accepts. */
export const DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024;

/** The largest message the remote accepts, from the SCTP transport or the remote SDP. */
export function remoteMaxMessageSize(pc: RTCPeerConnection): number {
  const fromSctp = pc.sctp?.maxMessageSize;
  if (typeof fromSctp === 'number' && Number.isFinite(fromSctp) && fromSctp > 0) return fromSctp;
  const match = /a=max-message-size:(\d+)/.exec(pc.remoteDescription?.sdp ?? '');
  const fromSdp = match?.[1] === undefined ? NaN : Number(match[1]);
  // 0 in the SDP means "no limit" (RFC 8841); stay with the safe default rather than trust it.
  return fromSdp > 0 ? fromSdp : DEFAULT_MAX_MESSAGE_SIZE;
}
