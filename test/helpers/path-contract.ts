/**
 * The path contract: what every path under a link must do, whatever it is (a WebRTC connection,
 * the lobby relay, an in-memory loopback). A factory hands back two connected ends, each with a
 * recorder of what its path told its owner; the suite sends through the raw channels, as the
 * lanes do, and checks what arrives.
 */
import type { Lane } from '@rallypoint/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { Path, PathHandlers } from '../../packages/core/src/paths/types.js';
import { until } from './wait.js';

/** Everything a path told its owner, in order. */
export interface Heard {
  opens: number;
  events: Array<Uint8Array | string>;
  state: Array<Uint8Array | string>;
  drains: Lane[];
  deaths: Array<Error | undefined>;
}

/** Handlers that write down what a path tells them, and what they wrote. */
export function recorder(): { heard: Heard; handlers: PathHandlers } {
  const heard: Heard = { opens: 0, events: [], state: [], drains: [], deaths: [] };
  // Plain bytes, whatever the path hands up (an ArrayBuffer, a Buffer, a view into a larger buffer).
  const bytes = (data: unknown): Uint8Array | string => (typeof data === 'string' ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : Uint8Array.from(data as Uint8Array));
  return {
    heard,
    handlers: {
      open: () => heard.opens++,
      events: (data) => heard.events.push(bytes(data)),
      state: (data) => heard.state.push(bytes(data)),
      drain: (lane) => heard.drains.push(lane),
      dead: (error) => heard.deaths.push(error),
    },
  };
}

export interface PathEnd {
  path: Path;
  heard: Heard;
}

export interface PathPair {
  a: PathEnd;
  b: PathEnd;
  /** The largest message the path takes. */
  maxMessageBytes: number;
  close(): void;
}

export interface PathTraits {
  kind: 'p2p' | 'relay';
  /**
   * Whether the other end learns that a path closed: a connection's channels close with it; the
   * relay cannot tell (the lobby connection stays), and the link learns from its goodbye instead.
   */
  closeSeen: boolean;
  /** Whether text and empty messages travel (data channels: yes; the relay carries bytes, never empty). */
  textAndEmpty: boolean;
}

/** A lane's channel, open. */
function channelOf(end: PathEnd, lane: Lane) {
  const channel = end.path[lane];
  if (channel === null) throw new Error(`no ${lane} channel`);
  return channel;
}

/** A frame that says which it is: `n` in its first four bytes, then `size - 4` bytes of filler. */
export function numbered(n: number, size: number): Uint8Array<ArrayBuffer> {
  const frame = new Uint8Array(size);
  new DataView(frame.buffer).setUint32(0, n);
  frame.fill(n & 0xff, 4);
  return frame;
}
const numberOf = (frame: Uint8Array | string): number => (typeof frame === 'string' ? -1 : new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0));

export function describePathContract(name: string, createPair: () => Promise<PathPair>, traits: PathTraits): void {
  describe(`path contract over ${name}`, () => {
    const open: PathPair[] = [];
    const make = async () => {
      const pair = await createPair();
      open.push(pair);
      await until(() => pair.a.heard.opens > 0 && pair.b.heard.opens > 0, 'both ends open', 20_000);
      return pair;
    };
    afterEach(() => {
      for (const pair of open.splice(0)) pair.close();
    });

    it('opens on both ends, once, with both lanes open', async () => {
      const { a, b } = await make();
      for (const end of [a, b]) {
        expect(end.heard.opens).toBe(1);
        expect(end.path.isOpen).toBe(true);
        expect(end.path.kind).toBe(traits.kind);
        expect([channelOf(end, 'events').readyState, channelOf(end, 'state').readyState]).toEqual(['open', 'open']);
        expect(end.heard.deaths).toEqual([]);
      }
    });

    it('carries the events lane in order, both ways, and marks each end heard', async () => {
      const { a, b } = await make();
      a.path.heard = b.path.heard = false;
      for (let n = 0; n < 200; n++) channelOf(a, 'events').send(numbered(n, 100));
      for (let n = 0; n < 200; n++) channelOf(b, 'events').send(numbered(1000 + n, 100));
      await until(() => a.heard.events.length >= 200 && b.heard.events.length >= 200, 'both ends got 200 frames');
      expect(b.heard.events.map(numberOf)).toEqual(Array.from({ length: 200 }, (_, n) => n));
      expect(a.heard.events.map(numberOf)).toEqual(Array.from({ length: 200 }, (_, n) => 1000 + n));
      expect([a.path.heard, b.path.heard]).toEqual([true, true]);
    });

    it('carries the state lane: what arrives is what was sent, nothing else', async () => {
      const { a, b } = await make();
      for (let n = 0; n < 50; n++) channelOf(a, 'state').send(numbered(n, 60));
      // Unreliable on a connection: some may be lost; on this machine's loopback, all arrive.
      await until(() => b.heard.state.length > 0 && numberOf(b.heard.state.at(-1)!) === 49, 'the last state frame arrived');
      const got = b.heard.state.map(numberOf);
      expect(new Set(got).size).toBe(got.length);
      for (const n of got) expect(n).toBeLessThan(50);
      expect(b.heard.state.every((frame) => typeof frame !== 'string' && frame.byteLength === 60)).toBe(true);
    });

    it('backs up under a burst, drains, and delivers every frame in order', async () => {
      const { a, b, maxMessageBytes } = await make();
      const frameBytes = Math.min(16 * 1024, maxMessageBytes);
      const total = Math.ceil((4 * 1024 * 1024) / frameBytes);
      const highWater = 256 * 1024;
      const channel = channelOf(a, 'events');
      let sent = 0;
      let peak = 0;
      // As the events lane does: send while the channel holds less than its high-water mark,
      // then wait for the path's drain.
      while (sent < total) {
        while (sent < total && channel.bufferedAmount <= highWater) channel.send(numbered(sent++, frameBytes));
        peak = Math.max(peak, channel.bufferedAmount);
        if (sent === total) break;
        const drains = a.heard.drains.length;
        await until(() => a.heard.drains.length > drains, `a drain after ${sent} frames`, 20_000);
      }
      expect(peak, 'the burst backed the channel up').toBeGreaterThan(highWater);
      expect(a.heard.drains).toContain('events');
      await until(() => b.heard.events.length >= total, `all ${total} frames arrived`, 30_000);
      expect(b.heard.events.map(numberOf)).toEqual(Array.from({ length: total }, (_, n) => n));
    });

    it('closes: its lanes stop, and the other end sees it when the path can tell', async () => {
      const { a, b } = await make();
      a.path.close();
      expect(a.path.isOpen).toBe(false);
      expect(a.heard.deaths, 'closing is not dying: the owner closed it').toEqual([]);
      await until(() => channelOf(a, 'events').readyState !== 'open' && channelOf(a, 'state').readyState !== 'open', 'its channels closed');
      if (!traits.closeSeen) return;
      await until(() => b.heard.deaths.length === 1, 'the other end saw its path die');
      expect(b.path.isOpen).toBe(false);
    });

    it('hands up what arrives, malformed or not, and stays open', async () => {
      const { a, b } = await make();
      const garbage: Array<[Lane, Uint8Array<ArrayBuffer> | string]> = [
        ['events', new Uint8Array([0xc1])],
        ['events', new Uint8Array([0xff, 0x00, 0x13, 0x37])],
        ['state', new Uint8Array([0x92, 0x99])],
      ];
      if (traits.textAndEmpty) garbage.push(['events', 'text'], ['state', 'text'], ['events', new Uint8Array(0)]);
      for (const [lane, data] of garbage) (channelOf(b, lane) as { send(data: Uint8Array | string): void }).send(data);
      channelOf(b, 'events').send(numbered(7, 8));
      await until(() => a.heard.events.some((frame) => typeof frame !== 'string' && frame.byteLength === 8 && numberOf(frame) === 7), 'the frame after the garbage arrived');
      // Text may come up as text or as its UTF-8 bytes (simple-peer, which links used before, did that), and an
      // empty message may not come up at all (node-datachannel drops it): the link counts what comes.
      const plain = (frames: Array<Uint8Array | string>) => frames.map((f) => (typeof f === 'string' ? new TextEncoder().encode(f) : f)).filter((f) => f.byteLength > 0);
      const events = plain(garbage.filter(([lane]) => lane === 'events').map(([, data]) => data));
      expect(plain(a.heard.events).slice(0, events.length)).toEqual(events);
      await until(() => plain(a.heard.state).length >= plain(garbage.filter(([lane]) => lane === 'state').map(([, data]) => data)).length, 'the state garbage arrived');
      expect(a.path.isOpen).toBe(true);
      expect(a.heard.deaths).toEqual([]);
    });
  });
}
