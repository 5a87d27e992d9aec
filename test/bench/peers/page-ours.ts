/** rallypoint's page: a lobby room (a creates, b joins by code) and the link it opens. */
import { createLobby } from '@rallypoint/lobby';
import { firstLinkLanes, type Game } from './link-lanes.js';
import { servePage } from './page.js';

servePage(async (params) => {
  const lobby = createLobby<Game>({ url: `http://${params.host}:${params.port('lobby')}` });
  const session = params.role === 'a' ? await lobby.create({ name: 'a', maxPlayers: 2 }) : await lobby.join(await params.token(), { name: 'b' });
  params.mark('in room');
  if (params.role === 'a') params.publish(session.code);
  return firstLinkLanes(session);
});
