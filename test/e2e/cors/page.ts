/**
 * The page of the cross-origin lobby test: the real lobby client, in a page served from another
 * origin than the lobbies it asks, driven through `window.corsTest`.
 */
import { createLobby } from '@rallypoint/lobby';

const api = {
  /** Create a room at the lobby `url` and leave it: `joined`, or the error's name and message. */
  async create(url: string): Promise<string> {
    try {
      const session = await createLobby({ url }).create({ name: 'page' });
      await session.leave();
      return 'joined';
    } catch (error) {
      return `${(error as Error).name}: ${(error as Error).message}`;
    }
  },
};

export type CorsTestApi = typeof api;
(window as unknown as { corsTest: CorsTestApi }).corsTest = api;
