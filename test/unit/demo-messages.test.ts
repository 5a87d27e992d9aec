/** What a Gem Rush player reads for each named lobby error (demo-game/src/messages.ts). */
import { describe, expect, test } from 'vitest';
import { LobbyError, LobbyRateLimitedError, LobbyUnavailableError, RoomClosedError, RoomFullError, RoomNotFoundError, TooManyConnectionsError } from '@rallypoint/lobby';
import { playerMessage } from '../../demo-game/src/messages.js';

describe('lobby errors as a player reads them', () => {
  test('each named error has its own sentence, naming the room where there is one', () => {
    expect(playerMessage(new RoomNotFoundError('ABC234'), 'ABC234')).toBe('There is no room ABC234. Check the code, or ask for a new invite.');
    expect(playerMessage(new RoomFullError('ABC234'), 'ABC234')).toBe('Room ABC234 is full.');
    expect(playerMessage(new RoomClosedError('ABC234'), 'ABC234')).toBe('Room ABC234 has started its round and is locked. Try again when it is over.');
    expect(playerMessage(new RoomNotFoundError('?'), '')).toBe('There is no such room. Check the code, or ask for a new invite.');
    expect(playerMessage(new RoomFullError('?'))).toBe('That room is full.');
    expect(playerMessage(new LobbyRateLimitedError('too many requests; try again in 7 s', 7))).toBe('Too many tries in a short time. Try again in 7 s.');
    expect(playerMessage(new TooManyConnectionsError('too many connections from this address'))).toBe('The lobby has too many players from your network right now. Try again in a moment.');
    expect(playerMessage(new LobbyUnavailableError('lobby server http://x not reachable'))).toBe('Cannot reach the lobby server. Check your connection, or try again in a moment.');
  });

  test('anything else still says what happened', () => {
    expect(playerMessage(new LobbyError('name too long'))).toBe('The lobby said no: name too long.');
    expect(playerMessage(new TypeError('boom'))).toBe('Something went wrong: boom.');
  });
});
