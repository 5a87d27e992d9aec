/**
 * A WebRTC implementation that wraps node-datachannel's and lets a test reach the raw data
 * channels of one side: send bytes that bypass the link, or rewrite / drop what the link sends.
 * It goes in through the public `rtc` option; the library itself carries no test hooks.
 */
import { nodeRtc, type Lane, type RtcImplementation } from '@rallypoint/core/node';
import { capturingRtc } from '../../packages/core/src/paths/rtc.js';
import { Renumberer } from './renumber.js';
import { SideFilter, type OutgoingFilter } from './taps.js';


export interface SpyRtc {
  rtc: RtcImplementation;
  /** The raw channel of a lane on this side, once it exists. */
  channel(lane: Lane): RTCDataChannel | undefined;
  /** Sends bytes (or text) straight into the raw channel, bypassing the link. */
  sendRaw(lane: Lane, data: Uint8Array | string): void;
  /**
   * Sends an encoded events-lane data frame (event, request, response, fragment) as the link's
   * next one, with a sequence number; the link's own frames are renumbered after it (see renumber.ts).
   */
  sendFrame(frame: Uint8Array): void;
  /** Rewrite or drop (return null) everything the link sends from now on. */
  setFilter(filter: OutgoingFilter | null): void;
}

const laneOf = (channel: RTCDataChannel): Lane => (channel.label === 'rallypoint-state' ? 'state' : 'events');

/** `numbering` and `filter` are shared with the side's other taps when its link also has a relay (taps.ts). */
export function createSpyRtc(base: RtcImplementation = nodeRtc, numbering = new Renumberer(), filter = new SideFilter()): SpyRtc {
  const channels = new Map<Lane, { channel: RTCDataChannel; rawSend: (data: never) => void }>();

  const capture = (channel: RTCDataChannel) => {
    const lane = laneOf(channel);
    const rawSend = channel.send.bind(channel) as (data: never) => void;
    channels.set(lane, { channel, rawSend });
    channel.send = ((data: Uint8Array) => {
      const numbered = lane === 'events' && typeof data !== 'string' ? numbering.outgoing(data) : data;
      const out = filter.apply(lane, numbered);
      if (out !== null) rawSend(out as never);
    }) as RTCDataChannel['send'];
    if (lane === 'events') mapIncoming(channel, (bytes) => numbering.incoming(bytes));
  };

  // The link's own capture hook, seeing every channel (the link's state channel included).
  const rtc = capturingRtc(base, { onConnection: () => undefined, onEventsChannel: capture, isOwnChannel: () => false });

  return {
    rtc,
    channel: (lane) => channels.get(lane)?.channel,
    sendRaw(lane, data) {
      const entry = channels.get(lane);
      if (entry === undefined) throw new Error(`no ${lane} channel yet`);
      entry.rawSend(data as never);
    },
    sendFrame(frame) {
      const entry = channels.get('events');
      if (entry === undefined) throw new Error('no events channel yet');
      entry.rawSend(numbering.inject(frame) as never);
    },
    setFilter(next) {
      filter.current = next;
    },
  };
}

/** Rewrites the binary messages simple-peer's `onmessage` handler gets from `channel`. */
function mapIncoming(channel: RTCDataChannel, map: (bytes: Uint8Array) => Uint8Array): void {
  let handler: RTCDataChannel['onmessage'] = channel.onmessage;
  Object.defineProperty(channel, 'onmessage', {
    configurable: true,
    get: () => handler,
    set(fn: RTCDataChannel['onmessage']) {
      handler =
        fn === null
          ? null
          : function (this: RTCDataChannel, event: MessageEvent) {
              const data: unknown = event.data;
              if (!(data instanceof ArrayBuffer) && !(data instanceof Uint8Array)) return fn.call(this, event);
              const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : data;
              const mapped = map(bytes);
              return fn.call(this, mapped === bytes ? event : ({ data: mapped } as MessageEvent));
            };
    },
  });
}
