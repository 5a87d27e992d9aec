import { FrameKind, InvalidMessageError, UnknownMessageKindError } from '@rallypoint/core';
import { describe, expect, it } from 'vitest';
import { isStructureList, parseEventsFrame, parseStateFrame } from '../../packages/core/src/wire/frames.js';

describe('frame parsing', () => {
  it('accepts well-formed frames', () => {
    expect(parseStateFrame([FrameKind.State, 1, 2, { x: 1 }])).toEqual({ kind: FrameKind.State, seq: 1, sentAtUs: 2, payload: { x: 1 } });
    expect(parseEventsFrame([FrameKind.Event, 'hit', 5])).toEqual({ kind: FrameKind.Event, name: 'hit', payload: 5 });
    expect(parseEventsFrame([FrameKind.Response, 3, false, ['no-handler', 'nope']])).toMatchObject({ ok: false, failure: 'no-handler' });
  });

  it.each([
    ['not an array', 'state', { kind: 16 }, InvalidMessageError],
    ['empty array', 'state', [], InvalidMessageError],
    ['unknown kind', 'state', [200, 1, 1], UnknownMessageKindError],
    ['events kind on the state lane', 'state', [FrameKind.Event, 'x', 1], UnknownMessageKindError],
    ['negative seq', 'state', [FrameKind.State, -1, 1, null], InvalidMessageError],
    ['fractional timestamp', 'state', [FrameKind.State, 1, 1.5, null], InvalidMessageError],
    ['seq beyond 32 bits', 'state', [FrameKind.Ping, 2 ** 32, 1], InvalidMessageError],
    ['state without payload', 'state', [FrameKind.State, 1, 1], InvalidMessageError],
    ['pong without echo', 'state', [FrameKind.Pong, 1, 1], InvalidMessageError],
    ['event with a numeric name', 'events', [FrameKind.Event, 1, null], InvalidMessageError],
    ['event with extra fields', 'events', [FrameKind.Event, 'a', 1, 2], InvalidMessageError],
    ['request with a string id', 'events', [FrameKind.Request, '1', 'a', null], InvalidMessageError],
    ['response with a non-boolean ok', 'events', [FrameKind.Response, 1, 1, null], InvalidMessageError],
    ['failed response without reason', 'events', [FrameKind.Response, 1, false, 'x'], InvalidMessageError],
    ['fragment without bytes', 'events', [FrameKind.Fragment, 1, 0, 2, 'x'], InvalidMessageError],
    ['fragment index past count', 'events', [FrameKind.Fragment, 1, 2, 2, new Uint8Array(1)], InvalidMessageError],
    ['single-fragment message', 'events', [FrameKind.Fragment, 1, 0, 1, new Uint8Array(1)], InvalidMessageError],
    ['hello with bad structures', 'events', [FrameKind.Hello, 1, [[1, 2]], 65536, 0, 0], InvalidMessageError],
    ['unknown events kind', 'events', ['hello'], UnknownMessageKindError],
  ] as const)('rejects %s', (_, lane, value, type) => {
    const result = lane === 'state' ? parseStateFrame(value) : parseEventsFrame(value);
    expect(result).toBeInstanceOf(type);
    expect((result as Error).name).toBe(type.name);
  });

  it('bounds what a hello may declare', () => {
    expect(isStructureList([['a'], ['b', 'c']])).toBe(true);
    expect(isStructureList(Array.from({ length: 33 }, () => ['a']))).toBe(false);
    expect(isStructureList([Array.from({ length: 65 }, (_, i) => `k${i}`)])).toBe(false);
    expect(isStructureList([['x'.repeat(129)]])).toBe(false);
    expect(isStructureList([[]])).toBe(false);
  });
});
