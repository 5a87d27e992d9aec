// The README's "Connect two players", compiled by the tests. What it calls of the game's own
// code is declared here, outside the region the README shows.
declare function showInvite(code: string, link: string): void;
declare function drawRemote(peerId: string, state: { x: number; y: number }): void;
declare const me: { x: number; y: number };

// #region readme
import { createLobby } from '@rallypoint/lobby'; // in Node: '@rallypoint/lobby/node'

type Game = { events: { chat: string }; state: { x: number; y: number } };
const lobby = createLobby<Game>({ url: 'http://localhost:2567' });

// Player A makes a room and shares its code or link…
const session = await lobby.create({ name: 'Ada', maxPlayers: 2 });
showInvite(session.code, session.inviteLink);         // e.g. "K7M2QX", http://localhost:2567/?room=K7M2QX
// …player B joins with it (or both use lobby.quickMatch({ mode: 'duel' })).
// const session = await lobby.join(new URLSearchParams(location.search).get('room') ?? typedCode, { name: 'Bob' });

session.on('memberJoined', (m) => console.log(`${m.name} joined`));
session.on('memberLeft', ({ member, reason }) => console.log(`${member.name} ${reason}`));
session.on('hostChanged', ({ hostId }) => console.log('new host', hostId));
session.on('linkOpen', ({ peerId, link }) => {
  link.events.on('chat', (text) => console.log(peerId, text));
  link.state.onMessage(({ payload }) => drawRemote(peerId, payload));
});
setInterval(() => session.sendState({ x: me.x, y: me.y }), 50); // to every linked player
session.emit('chat', 'gg');                                     // events lane; pass a member id to send to one
// #endregion
