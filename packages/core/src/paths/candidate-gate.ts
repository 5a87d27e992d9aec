/**
 * Keeps an offering link's ICE candidates back until the answer has been applied, for WebRTC
 * implementations that abort DTLS when the answerer's handshake outruns the answer (see
 * RtcImplementation.offerCandidatesAfterAnswer). With nothing to start ICE with, the answerer
 * can only begin once the offerer's own checks reach it, and by then the offerer knows its
 * fingerprint.
 */
import type { LinkSignal } from './types.js';

export class CandidateGate {
  #held: LinkSignal[] | null;

  constructor(enabled: boolean) {
    this.#held = enabled ? [] : null;
  }

  /** The signals to send now for one that the connection produced. */
  outgoing(signal: LinkSignal): LinkSignal[] {
    const held = this.#held;
    if (held === null) return [signal];
    // The connection sends its own local description, so the offer is cut here.
    if (signal.type === 'offer' && typeof signal['sdp'] === 'string') return [{ ...signal, sdp: withoutCandidates(signal['sdp']) }];
    if (signal.type !== 'candidate') return [signal];
    held.push(signal);
    return [];
  }

  /** The answer is applied: the candidates held so far, to send now. */
  answered(): LinkSignal[] {
    const held = this.#held ?? [];
    this.#held = null;
    return held;
  }
}

/**
 * The SDP without anything the answerer could start ICE with: no candidates, and the default
 * address and port set to the trickle-ICE placeholders (RFC 8840: 0.0.0.0 and port 9).
 */
export const withoutCandidates = (sdp: string): string =>
  sdp
    .split(/\r?\n/)
    .filter((line) => !line.startsWith('a=candidate:') && line !== 'a=end-of-candidates')
    .map((line) => (line.startsWith('c=IN ') ? 'c=IN IP4 0.0.0.0' : line.replace(/^(m=\S+) \d+ /, '$1 9 ')))
    .join('\r\n');
