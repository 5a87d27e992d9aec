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
  // Two links in one process (bots, a headless host, tests) may hand each other signals straight
  // from a 'signal' listener, i.e. from inside libdatachannel's own callback. Measured here: about
  // 1 connect in 150 under load then fails with "Got a remote candidate without ICE transport";
  // a queued microtask still failed 1 in 600, the next macrotask 0 in 600. setImmediate has no
  // 1 ms clamp, unlike setTimeout.
  deferSignal: (apply) => setImmediate(apply),
};

/** `createLink` with node-datachannel as the default WebRTC implementation. */
export function createLink<T extends LinkTypes = LinkTypes>(init: LinkInit): Link<T> {
  return createLinkWith<T>({ rtc: nodeRtc, ...init });
}
