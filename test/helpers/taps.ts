/**
 * Taps on one side's transports, for the link contract's hostile-peer tests: what the side's link
 * sends can be rewritten or dropped, and raw bytes or numbered frames put on the wire as if the
 * link had sent them. A link that moves between paths keeps one sequence space, so the taps on
 * all its paths share one `Renumberer` (see renumber.ts).
 */
import type { Lane, LinkRelay } from '@rallypoint/core';
import type { LoopbackNetwork } from './loopback.js';
import { Renumberer } from './renumber.js';

export type OutgoingFilter = (lane: Lane, bytes: Uint8Array) => Uint8Array | null;

/** A filter every tap of one side reads, so that one `setFilter` covers all its paths. */
export class SideFilter {
  current: OutgoingFilter | null = null;

  apply(lane: Lane, bytes: Uint8Array): Uint8Array | null {
    return this.current === null ? bytes : this.current(lane, bytes);
  }
}

/** A relay with the contract's hooks on it. */
export function tappedRelay(relay: LinkRelay, numbering = new Renumberer(), filter = new SideFilter()) {
  const tapped: LinkRelay = {
    send(lane, frame) {
      if (lane === 'hello') return relay.send(lane, frame);
      const out = filter.apply(lane, lane === 'events' ? numbering.outgoing(frame) : frame);
      if (out !== null) relay.send(lane, out);
    },
    get bufferedAmount() {
      return relay.bufferedAmount;
    },
    maxMessageSize: relay.maxMessageSize,
    onFrame: (fn) => relay.onFrame((lane, frame) => fn(lane, lane === 'events' ? numbering.incoming(frame) : frame)),
  };
  return {
    relay: tapped,
    inject: (lane: Lane, data: Uint8Array | string) => {
      if (typeof data === 'string') throw new Error('the relay carries bytes only');
      relay.send(lane, data);
    },
    injectFrame: (frame: Uint8Array) => relay.send('events', numbering.inject(frame)),
    setFilter: (next: OutgoingFilter | null) => (filter.current = next),
  };
}

/** Side `b`'s loopback connections, tapped: raw sends go on its newest live connection. */
export function tapLoopback(network: LoopbackNetwork, side: 'a' | 'b', numbering = new Renumberer(), filter = new SideFilter()) {
  network.taps[side] = {
    outgoing: (lane, bytes) => filter.apply(lane, lane === 'events' ? numbering.outgoing(bytes) : bytes),
    incoming: (bytes) => numbering.incoming(bytes),
  };
  const end = () => {
    const current = network.current(side);
    if (current === undefined || !current.isOpen) throw new Error(`no open loopback connection on side ${side}`);
    return current;
  };
  return {
    inject: (lane: Lane, data: Uint8Array | string) => end()[lane].sendRaw(data),
    injectFrame: (frame: Uint8Array) => end().events.sendRaw(numbering.inject(frame)),
    setFilter: (next: OutgoingFilter | null) => (filter.current = next),
  };
}
