/**
 * Node entry point: the same link, with node-datachannel's RTCPeerConnection injected, for bots,
 * headless hosts and tests. Requires the optional peer dependency `node-datachannel`.
 *
 * @example
 * import { createLink } from '@rallypoint/core/node';
 * const link = createLink({ initiator: true });
 */
import * as polyfill from 'node-datachannel/polyfill';
import { createLink as createLinkWith, type Link } from './link.js';
import type { RtcImplementation } from './rtc.js';
import type { LinkInit, LinkTypes } from './types.js';

export * from './index.js';

/** node-datachannel's W3C-style WebRTC classes. */
export const nodeRtc: RtcImplementation = {
  RTCPeerConnection: polyfill.RTCPeerConnection as unknown as RtcImplementation['RTCPeerConnection'],
  RTCSessionDescription: polyfill.RTCSessionDescription,
  RTCIceCandidate: polyfill.RTCIceCandidate,
  // libdatachannel as offerer aborts DTLS if the answerer's handshake outruns the answer (its
  // logs: "certificate verify failed", then "Got a remote candidate without ICE transport" when
  // the answer lands). Seen here in about 1 connect in 150 in one process; over a real signaling
  // server the answer is slower still. See RtcImplementation.offerCandidatesAfterAnswer.
  offerCandidatesAfterAnswer: true,
};

/** `createLink` with node-datachannel as the default WebRTC implementation. */
export function createLink<T extends LinkTypes = LinkTypes>(init: LinkInit): Link<T> {
  return createLinkWith<T>({ rtc: nodeRtc, ...init });
}
