import { FrameKind } from '@rallypoint/core';
import { describe, expect, it } from 'vitest';
import { createFrameDecoder, createFrameEncoder } from '../../packages/core/src/wire/codec.js';

const shape = ['id', 'x', 'y', 'vx', 'vy'] as const;
const entity = { id: 7, x: 10, y: 20, vx: 1, vy: -1 };

describe('frame codec', () => {
  it('round-trips every frame kind', () => {
    const encoder = createFrameEncoder();
    const decoder = createFrameDecoder();
    const frames: unknown[][] = [
      [FrameKind.Hello, 1, [['a', 'b']], 65536, 1234.5, 99],
      [FrameKind.Event, 'chat', { text: 'hi', at: 3 }],
      [FrameKind.Request, 1, 'add', { x: 1, y: 2 }],
      [FrameKind.Response, 1, true, 3],
      [FrameKind.Fragment, 1, 0, 2, new Uint8Array([1, 2, 3])],
      [FrameKind.State, 5, 123456, [entity, entity]],
      [FrameKind.Ping, 6, 99],
      [FrameKind.Pong, 7, 100, 99],
    ];
    // Binary comes back as a Uint8Array (a Buffer, in Node): compare the bytes, not the class.
    const plain = (value: unknown): unknown =>
      Array.isArray(value) ? value.map(plain) : value instanceof Uint8Array ? [...value] : value;
    for (const frame of frames) expect(plain(decoder.decode(encoder.encode(frame)))).toEqual(plain(frame));
  });

  it('keeps the state header small: 1 array byte + kind + seq + 32-bit timestamp', () => {
    const encoder = createFrameEncoder();
    const payloadBytes = encoder.encode([null]).byteLength - 1;
    const header = (seq: number) => encoder.encode([FrameKind.State, seq, 0xfffffff0, null]).byteLength - payloadBytes;
    expect(header(5)).toBe(1 + 1 + 1 + 5);
    expect(header(1000)).toBe(1 + 1 + 3 + 5);
    expect(header(100_000)).toBe(1 + 1 + 5 + 5);
  });

  it('encodes pre-shared shapes without their keys', () => {
    const plain = createFrameEncoder().encode([FrameKind.State, 1, 1, entity]);
    const shared = createFrameEncoder([shape]).encode([FrameKind.State, 1, 1, entity]);
    const keyBytes = shape.reduce((sum, key) => sum + key.length + 1, 0);
    expect(plain.byteLength - shared.byteLength).toBeGreaterThanOrEqual(keyBytes);
    expect(createFrameDecoder([shape]).decode(shared)).toEqual([FrameKind.State, 1, 1, entity]);
  });

  it('makes every frame decodable on its own, in any order, even for shapes not pre-shared', () => {
    const encoder = createFrameEncoder([shape]);
    const messages = [
      encoder.encode([FrameKind.State, 1, 1, { hp: 3, team: 'red' }]),
      encoder.encode([FrameKind.State, 2, 2, { hp: 4, team: 'blue' }]),
      encoder.encode([FrameKind.State, 3, 3, entity]),
    ];
    // A fresh decoder per message: nothing may depend on an earlier message having arrived.
    const decoded = [...messages].reverse().map((bytes) => createFrameDecoder([shape]).decode(bytes));
    expect(decoded).toEqual([
      [FrameKind.State, 3, 3, entity],
      [FrameKind.State, 2, 2, { hp: 4, team: 'blue' }],
      [FrameKind.State, 1, 1, { hp: 3, team: 'red' }],
    ]);
  });

  it('keeps pre-shared structures when a peer redefines their record id inline, and blocks prototype pollution', () => {
    const decoder = createFrameDecoder([shape]);
    const hostile = createFrameEncoder().encode([FrameKind.Event, 'x', JSON.parse('{"__proto__": {"polluted": 1}}')]);
    decoder.decode(hostile);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    const other = createFrameEncoder([['a', 'b']]).encode([FrameKind.State, 1, 1, { a: 1, b: 2 }]);
    // Record id 0x40 with other keys: misread or refused, but never learned.
    expect(() => decoder.decode(other)).toThrow();
    expect(decoder.decode(createFrameEncoder([shape]).encode([FrameKind.State, 1, 1, entity]))).toEqual([
      FrameKind.State,
      1,
      1,
      entity,
    ]);
  });

  it('refuses more pre-shared structures than fit in one byte', () => {
    const many = Array.from({ length: 33 }, (_, i) => [`k${i}`]);
    expect(() => createFrameEncoder(many)).toThrow(RangeError);
  });
});
