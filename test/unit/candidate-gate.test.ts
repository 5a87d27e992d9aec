import { describe, expect, it } from 'vitest';
import { CandidateGate, withoutCandidates } from '../../packages/core/src/paths/candidate-gate.js';

const offer = [
  'v=0',
  'm=application 38972 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 192.0.2.2',
  'a=ice-ufrag:xVwi',
  'a=candidate:1 1 UDP 2114977791 192.0.2.2 38972 typ host',
  'a=end-of-candidates',
  '',
].join('\r\n');

describe('candidate gate', () => {
  it('strips candidates and the default address from an offer', () => {
    expect(withoutCandidates(offer)).toBe(
      ['v=0', 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'c=IN IP4 0.0.0.0', 'a=ice-ufrag:xVwi', ''].join('\r\n'),
    );
  });

  it('holds candidates until the answer, then hands them over once', () => {
    const gate = new CandidateGate(true);
    const candidate = { type: 'candidate', candidate: { candidate: 'a=candidate:1' } };
    expect(gate.outgoing({ type: 'offer', sdp: offer })).toEqual([{ type: 'offer', sdp: withoutCandidates(offer) }]);
    expect(gate.outgoing(candidate)).toEqual([]);
    expect(gate.answered()).toEqual([candidate]);
    expect(gate.outgoing(candidate)).toEqual([candidate]);
    expect(gate.answered()).toEqual([]);
  });

  it('passes everything through when the implementation does not need it', () => {
    const gate = new CandidateGate(false);
    const signals = [{ type: 'offer', sdp: offer }, { type: 'candidate' }];
    expect(signals.flatMap((s) => gate.outgoing(s))).toEqual(signals);
  });
});
