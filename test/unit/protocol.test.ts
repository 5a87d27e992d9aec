import { describe, expect, test } from 'vitest';
import {
  ClientMessage,
  ClientMessageSchemas,
  CreateOptionsSchema,
  LobbyErrorCode,
  LobbyLimits,
  RoomCodeFormat,
  generateRoomCode,
  inviteLink,
  lobbyErrorName,
  normalizeRoomCode,
  plainDataSize,
  validate,
} from '@rallypoint/protocol';
import { createSeededRandom } from '@rallypoint/core';

describe('room codes', () => {
  test('have no look-alikes, and are read forgivingly', () => {
    expect(RoomCodeFormat.alphabet).not.toMatch(/[0O1I]/);
    const random = createSeededRandom(7);
    for (let i = 0; i < 200; i++) {
      const code = generateRoomCode((n) => Math.floor(random() * n));
      expect(normalizeRoomCode(code)).toBe(code);
      expect(normalizeRoomCode(` ${code.toLowerCase().slice(0, 3)}-${code.slice(3)} `)).toBe(code);
    }
    for (const bad of ['', 'ABC', 'ABCDEFG', 'ABCD0F', 'ABCDIF', 'ABC DE', 'ÀBCDEF']) expect(normalizeRoomCode(bad)).toBeUndefined();
  });

  test('invite links are <origin>/?room=CODE', () => {
    expect(inviteLink('https://play.example.org:8443/some/page?x=1#y', 'ABCDEF')).toBe('https://play.example.org:8443/?room=ABCDEF');
  });
});

describe('validation', () => {
  test('room options get defaults and limits', () => {
    expect(validate(CreateOptionsSchema, {})).toEqual({ ok: true, value: { mode: 'default', maxPlayers: 2, private: false, topology: 'star', name: 'Player' } });
    expect(validate(CreateOptionsSchema, { name: '  Ada  ', maxPlayers: 16, topology: 'mesh' })).toMatchObject({ ok: true, value: { name: 'Ada', maxPlayers: 16 } });
    for (const bad of [{ maxPlayers: 1 }, { maxPlayers: 17 }, { maxPlayers: 2.5 }, { topology: 'ring' }, { mode: 'A B' }, { private: 'yes' }, { name: '' }, { name: 'x'.repeat(LobbyLimits.displayNameMaxLength + 1) }]) {
      const result = validate(CreateOptionsSchema, bad);
      expect(result.ok, JSON.stringify(bad)).toBe(false);
    }
    expect(validate(CreateOptionsSchema, { maxPlayers: 17 })).toMatchObject({ ok: false, message: expect.stringMatching(/^maxPlayers: /) });
  });

  test('signals must be plain, shallow and small', () => {
    const signal = ClientMessageSchemas[ClientMessage.Signal];
    expect(validate(signal, { to: 'abcdEFG12', data: { type: 'offer', sdp: 'v=0\r\n' } }).ok).toBe(true);
    expect(validate(signal, { to: 'abcdEFG12', data: { type: 'candidate', candidate: { candidate: 'candidate:1 1 udp ...', sdpMid: '0', sdpMLineIndex: 0 } } }).ok).toBe(true);
    let deep: Record<string, unknown> = { type: 'x' };
    for (let i = 0; i < 7; i++) deep = { type: 'x', inner: deep };
    for (const data of [deep, { type: 'x', big: 'y'.repeat(LobbyLimits.signalMaxBytes) }, { type: 'x', n: Number.NaN }, { type: 'x', when: new Date() }, { sdp: '' }]) {
      expect(validate(signal, { to: 'abcdEFG12', data }).ok).toBe(false);
    }
    expect(plainDataSize({ a: [1, 'xy', null] }, 3)).toBeGreaterThan(0);
    expect(plainDataSize([[[1]]], 2)).toBeUndefined();
  });

  test('error codes fit one msgpack byte and are unique', () => {
    const codes = Object.values(LobbyErrorCode);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toBeLessThan(128);
    expect(lobbyErrorName(LobbyErrorCode.RoomFull)).toBe('RoomFull');
    expect(lobbyErrorName(127)).toBeUndefined();
  });
});
