/**
 * Node entry point: the same link, with node-datachannel's RTCPeerConnection injected, for bots,
 * headless hosts and tests. Requires the optional peer dependency `node-datachannel`.
 *
 * @example
 * import { createLink } from '@rallypoint/core/node';
 * const link = createLink({ initiator: true });
 */
import * as polyfill from 'node-datachannel/polyfill';
import { createLink as createLinkWith, type Link } from './link/link.js';
import type { RtcImplementation } from './paths/types.js';
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

/** How long close() waits for the connection's data channels to close before closing it anyway. */
const CHANNELS_CLOSE_WAIT_MS = 1000;

type PolyfillChannel = ReturnType<polyfill.RTCPeerConnection['createDataChannel']>;

class NodeRTCPeerConnection extends polyfill.RTCPeerConnection {
  readonly #channels = new Set<PolyfillChannel>();
  #closing = false;

  constructor(configuration?: RTCConfiguration) {
    super(configuration === undefined ? undefined : ({ ...configuration, iceServers: encodeIceServerCredentials(configuration.iceServers) } as ConstructorParameters<typeof polyfill.RTCPeerConnection>[0]));
    this.addEventListener('datachannel', (event) => this.#track((event as unknown as { channel: PolyfillChannel }).channel));
  }

  override createDataChannel(...args: Parameters<polyfill.RTCPeerConnection['createDataChannel']>): PolyfillChannel {
    const channel = super.createDataChannel(...args);
    this.#track(channel);
    return channel;
  }

  /**
   * Closes the data channels first, and the connection once they have closed. node-datachannel
   * runs a channel's close on the next turn (setImmediate) but the connection's at once, so
   * simple-peer's destroy() (channel.close(), then pc.close()) closed the connection first; and a
   * channel closed after its connection now and then never heard back from libdatachannel, whose
   * pending close callback then held the process open for good (seen here in about 1 close in 50
   * under load: a bot that closed its links never exited).
   */
  override close(): void {
    if (this.#closing) return;
    this.#closing = true;
    const open = [...this.#channels].filter((channel) => channel.readyState !== 'closed');
    if (open.length === 0) return super.close();
    let left = open.length;
    let closed = false;
    const closeConnection = (): void => {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      super.close();
    };
    const timer = setTimeout(closeConnection, CHANNELS_CLOSE_WAIT_MS);
    for (const channel of open) {
      channel.addEventListener('close', () => --left === 0 && closeConnection(), { once: true });
      channel.close();
    }
  }

  #track(channel: PolyfillChannel): void {
    this.#channels.add(channel);
    channel.addEventListener('close', () => this.#channels.delete(channel), { once: true });
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
  racesDtls: true,
};

/** `createLink` with node-datachannel as the default WebRTC implementation. */
export function createLink<T extends LinkTypes = LinkTypes>(init: LinkInit): Link<T> {
  return createLinkWith<T>({ rtc: nodeRtc, ...init });
}
