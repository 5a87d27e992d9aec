/**
 * Node entry point: the same lobby client, with node-datachannel's WebRTC for links (bots,
 * headless hosts, tests). Requires the optional peer dependency `node-datachannel`.
 */
import { createLink, type LinkTypes } from '@rallypoint/core/node';
import { createLobby as createLobbyWith, type Lobby, type LobbyInit } from './lobby.js';

export * from './index.js';

/** `createLobby` with node-datachannel links. */
export function createLobby<T extends LinkTypes = LinkTypes>(init: LobbyInit<T>): Lobby<T> {
  return createLobbyWith<T>({ createLink: (linkInit) => createLink<T>(linkInit), ...init });
}
