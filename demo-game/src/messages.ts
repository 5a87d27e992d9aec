/**
 * What a player reads when joining or creating a room fails: one plain sentence per named lobby
 * error (the library's messages are for developers; they go to the log as they are).
 */
import { LobbyError, LobbyRateLimitedError, LobbyUnavailableError, RoomClosedError, RoomFullError, RoomNotFoundError, TooManyConnectionsError } from '@rallypoint/lobby';

export function playerMessage(error: unknown, code?: string): string {
  const room = code === undefined || code === '' ? 'that room' : `room ${code}`;
  if (error instanceof RoomNotFoundError) return `There is no ${code === undefined || code === '' ? 'such room' : room}. Check the code, or ask for a new invite.`;
  if (error instanceof RoomFullError) return `${capital(room)} is full.`;
  if (error instanceof RoomClosedError) return `${capital(room)} has started its round and is locked. Try again when it is over.`;
  if (error instanceof LobbyRateLimitedError) return `Too many tries in a short time. Try again in ${error.retryAfterSeconds} s.`;
  if (error instanceof TooManyConnectionsError) return 'The lobby has too many players from your network right now. Try again in a moment.';
  if (error instanceof LobbyUnavailableError) return 'Cannot reach the lobby server. Check your connection, or try again in a moment.';
  if (error instanceof LobbyError) return `The lobby said no: ${error.message}.`;
  return `Something went wrong: ${(error as Error)?.message ?? String(error)}.`;
}

const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
