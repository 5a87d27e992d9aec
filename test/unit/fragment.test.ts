import { FragmentError, FrameKind } from '@rallypoint/core';
import { describe, expect, it } from 'vitest';
import { FRAGMENT_OVERHEAD_BYTES, Reassembler, splitIntoFragments } from '../../packages/core/src/lanes/fragment.js';
import { createFrameDecoder, createFrameEncoder } from '../../packages/core/src/wire/codec.js';
import type { FragmentFrame } from '../../packages/core/src/wire/frames.js';

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const asFrame = ([kind, messageId, index, count, data]: [number, number, number, number, Uint8Array]): FragmentFrame => ({
  kind: kind as typeof FrameKind.Fragment,
  messageId,
  index,
  count,
  bytes: data,
});
const reassembler = (maxMessageBytes = 1 << 20, maxIncomplete = 4, maxBufferedBytes = 8 << 20) => new Reassembler({ maxMessageBytes, maxIncomplete, maxBufferedBytes });

describe('fragmentation', () => {
  it('holds at most maxBufferedBytes in all incomplete messages together', () => {
    const r = reassembler(1000, 8, 2500);
    const chunk = bytes(900);
    expect(r.accept(asFrame([FrameKind.Fragment, 1, 0, 3, chunk])).status).toBe('partial');
    expect(r.accept(asFrame([FrameKind.Fragment, 2, 0, 3, chunk])).status).toBe('partial');
    const third = r.accept(asFrame([FrameKind.Fragment, 3, 0, 3, chunk]));
    expect(third).toMatchObject({ status: 'dropped' });
    expect(third.status === 'dropped' && third.error.message).toMatch(/more than 2500 bytes/);
    expect(r.bufferedBytes).toBe(1800);
    // Completing one gives its bytes back.
    expect(r.accept(asFrame([FrameKind.Fragment, 1, 1, 3, bytes(50)])).status).toBe('partial');
    expect(r.accept(asFrame([FrameKind.Fragment, 1, 2, 3, bytes(50)])).status).toBe('complete');
    expect(r.bufferedBytes).toBe(900);
  });

  it('splits to fit the max message size once encoded, and reassembles exactly', () => {
    const message = bytes(10_000);
    const encoder = createFrameEncoder();
    const decoder = createFrameDecoder();
    const fragments = [...splitIntoFragments(message, 3, 1000)];
    expect(fragments).toHaveLength(Math.ceil(10_000 / (1000 - FRAGMENT_OVERHEAD_BYTES)));
    const r = reassembler();
    let result;
    for (const fragment of fragments) {
      const wire = encoder.encode(fragment);
      expect(wire.byteLength).toBeLessThanOrEqual(1000);
      result = r.accept(asFrame(decoder.decode(wire) as never));
    }
    expect(result).toEqual({ status: 'complete', bytes: message });
    expect(r.incomplete).toBe(0);
  });

  it('reassembles interleaved messages by id', () => {
    const one = [...splitIntoFragments(bytes(500, 1), 1, 124)];
    const two = [...splitIntoFragments(bytes(300, 2), 2, 124)];
    const r = reassembler();
    const done: Uint8Array[] = [];
    for (let i = 0; i < Math.max(one.length, two.length); i++) {
      for (const list of [one, two]) {
        const f = list[i];
        if (f === undefined) continue;
        const result = r.accept(asFrame(f));
        if (result.status === 'complete') done.push(result.bytes);
      }
    }
    expect(done).toEqual([bytes(300, 2), bytes(500, 1)]);
  });

  it('drops a message with a missing fragment and goes on with the next', () => {
    const [f0, , f2] = [...splitIntoFragments(bytes(300), 1, 124)];
    const r = reassembler();
    expect(r.accept(asFrame(f0!)).status).toBe('partial');
    const gap = r.accept(asFrame(f2!));
    expect(gap.status).toBe('dropped');
    expect((gap as { error: Error }).error).toBeInstanceOf(FragmentError);
    const next = [...splitIntoFragments(bytes(200), 2, 124)].map((f) => r.accept(asFrame(f)));
    expect(next.at(-1)).toEqual({ status: 'complete', bytes: bytes(200) });
  });

  it('drops a message that does not start at fragment 0, or changes its count', () => {
    const r = reassembler();
    expect(r.accept({ kind: FrameKind.Fragment, messageId: 9, index: 1, count: 3, bytes: bytes(4) }).status).toBe('dropped');
    r.accept({ kind: FrameKind.Fragment, messageId: 8, index: 0, count: 3, bytes: bytes(4) });
    expect(r.accept({ kind: FrameKind.Fragment, messageId: 8, index: 1, count: 4, bytes: bytes(4) }).status).toBe('dropped');
    expect(r.incomplete).toBe(0);
  });

  it('drops a message that grows past the cap, before holding it all', () => {
    const r = reassembler(1000);
    const results = [...splitIntoFragments(bytes(5000), 1, 524)].map((f) => r.accept(asFrame(f)).status);
    expect(results.slice(0, 3)).toEqual(['partial', 'partial', 'dropped']); // 500 B chunks, cap 1000 B
    expect(r.incomplete).toBe(0);
  });

  it('bounds how many messages may be incomplete (truncated streams)', () => {
    const r = reassembler(1 << 20, 2);
    for (const id of [1, 2]) expect(r.accept({ kind: FrameKind.Fragment, messageId: id, index: 0, count: 5, bytes: bytes(4) }).status).toBe('partial');
    const third = r.accept({ kind: FrameKind.Fragment, messageId: 3, index: 0, count: 5, bytes: bytes(4) });
    expect(third.status).toBe('dropped'); // message 1 is evicted and reported
    expect(r.incomplete).toBe(2);
    r.clear();
    expect(r.incomplete).toBe(0);
  });
});
