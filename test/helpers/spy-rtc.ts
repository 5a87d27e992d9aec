/**
 * A WebRTC implementation that wraps node-datachannel's and lets a test reach the raw data
 * channels of one side: send bytes that bypass the link, or rewrite / drop what the link sends.
 * It goes in through the public `rtc` option; the library itself carries no test hooks.
 */
import { nodeRtc, type Lane, type RtcImplementation } from '@rallypoint/core/node';
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

  const rtc = capturingRtc(base, capture);

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

/** `base` with every data channel of its connections (made here, or announced by the other side) handed to `capture` first. */
function capturingRtc(base: RtcImplementation, capture: (channel: RTCDataChannel) => void): RtcImplementation {
  class CapturingPeerConnection extends base.RTCPeerConnection {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      const createDataChannel = this.createDataChannel.bind(this);
      this.createDataChannel = (label: string, init?: RTCDataChannelInit) => {
        const channel = createDataChannel(label, init);
        capture(channel);
        return channel;
      };
      // Added before the link's own listener: the channel is captured before the link reads it.
      this.addEventListener('datachannel', (event) => capture(event.channel));
    }
  }
  return { ...base, RTCPeerConnection: CapturingPeerConnection };
}

/** Rewrites the binary messages the link's `message` listeners get from `channel`. */
function mapIncoming(channel: RTCDataChannel, map: (bytes: Uint8Array) => Uint8Array): void {
  const addEventListener = channel.addEventListener.bind(channel) as (type: string, listener: EventListenerOrEventListenerObject, options?: unknown) => void;
  const mapped = new Map<EventListenerOrEventListenerObject, EventListener>();
  channel.addEventListener = ((type: string, listener: EventListenerOrEventListenerObject, options?: unknown) => {
    if (type !== 'message' || typeof listener !== 'function') return addEventListener(type, listener, options);
    const wrapped = (event: Event) => {
      const data: unknown = (event as MessageEvent).data;
      if (!(data instanceof ArrayBuffer) && !(data instanceof Uint8Array)) return listener.call(channel, event);
      const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : data;
      const out = map(bytes);
      return listener.call(channel, out === bytes ? event : ({ data: out } as MessageEvent));
    };
    mapped.set(listener, wrapped);
    return addEventListener(type, wrapped, options);
  }) as RTCDataChannel['addEventListener'];
  const removeEventListener = channel.removeEventListener.bind(channel) as (type: string, listener: EventListenerOrEventListenerObject, options?: unknown) => void;
  channel.removeEventListener = ((type: string, listener: EventListenerOrEventListenerObject, options?: unknown) =>
    removeEventListener(type, (type === 'message' && mapped.get(listener)) || listener, options)) as RTCDataChannel['removeEventListener'];
}
