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

/**
 * TURN credentials as node-datachannel needs them. Its RTCPeerConnection writes each server as
 * one URL, `turn:USERNAME:CREDENTIAL@host:port`, and libdatachannel splits that URL at `:` and
 * `@` and percent-decodes the parts. TURN REST credentials (what the lobby mints) hold `:` in the
 * username and `/`, `+`, `=` in the base64 credential: given as they are, the URL splits in the
 * wrong places and TURN never answers (seen here: a link through coturn timed out; encoded, it
 * opened in 0.3 s). Browsers take the fields as given, so only this entry point encodes them.
 */
export function encodeIceServerCredentials(servers: readonly RTCIceServer[] | undefined): RTCIceServer[] | undefined {
  return servers?.map((server) =>
    server.username === undefined || typeof server.credential !== 'string'
      ? server
      : { ...server, username: encodeURIComponent(server.username), credential: encodeURIComponent(server.credential) },
  );
}

class NodeRTCPeerConnection extends polyfill.RTCPeerConnection {
  constructor(configuration?: RTCConfiguration) {
    super(configuration === undefined ? undefined : ({ ...configuration, iceServers: encodeIceServerCredentials(configuration.iceServers) } as ConstructorParameters<typeof polyfill.RTCPeerConnection>[0]));
  }
}

/** node-datachannel's W3C-style WebRTC classes. */
export const nodeRtc: RtcImplementation = {
  RTCPeerConnection: NodeRTCPeerConnection as unknown as RtcImplementation['RTCPeerConnection'],
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
