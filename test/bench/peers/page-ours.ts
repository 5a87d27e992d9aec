/** rallypoint's page: a lobby room (a creates, b joins by code) and the link it opens. */
import { createLobby } from '@rallypoint/lobby';
import { servePage } from './page.js';

type Game = { state: Uint8Array; events: { e: Uint8Array } };

servePage(async (params) => {
  const lobby = createLobby<Game>({ url: `http://${params.host}:${params.port('lobby')}` });
  const session = params.role === 'a' ? await lobby.create({ name: 'a', maxPlayers: 2 }) : await lobby.join(await params.token(), { name: 'b' });
  params.mark('in room');
  if (params.role === 'a') params.publish(session.code);
  const link = await new Promise<NonNullable<ReturnType<typeof session.links.get>>>((resolve) => {
    const off = session.on('linkOpen', ({ link: opened }) => (off(), resolve(opened)));
  });
  // A relayed link would measure the lobby's relay, not a peer-to-peer connection.
  if (link.transport === 'relay') throw new Error('the link opened through the relay, not peer-to-peer');
  return {
    sendState: (bytes) => void link.state.send(bytes),
    sendEvent: (bytes) => link.events.emit('e', bytes),
    onState: (fn) => void link.state.onMessage(({ payload }) => fn(payload)),
    onEvent: (fn) => void link.events.on('e', fn),
    stateBuffered: () => link.state.bufferedAmount,
    eventBuffered: () => link.events.bufferedAmount,
  };
});
