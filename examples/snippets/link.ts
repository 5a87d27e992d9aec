// The README's "A link in 20 lines", compiled by the tests. What it calls of the game's own
// code is declared here, outside the region the README shows.
import type { LinkSignal } from '@rallypoint/core';
declare const lobby: { send(data: LinkSignal): void; onMessage(fn: (data: LinkSignal) => void): void };
declare function showHit(by: string, damage: number): void;
declare function drawRemote(state: { x: number; y: number }, sentAt: number): void;
declare const me: { x: number; y: number };

// #region readme
import { createLink } from '@rallypoint/core'; // in Node (bots, headless hosts): '@rallypoint/core/node'

type Game = {
  events: { chat: string; hit: { by: string; damage: number } };
  requests: { ping: { request: number; response: number } };
  state: { x: number; y: number };
};

const link = createLink<Game>({ initiator: true, iceServers: [] });
link.on('signal', (data) => lobby.send(data));   // carry signals to the other side any way you like…
lobby.onMessage((data) => link.signal(data));    // …and hand theirs to link.signal()

link.on('open', () => link.events.emit('chat', 'hello'));
link.events.on('hit', ({ by, damage }) => showHit(by, damage));
link.events.handle('ping', (n) => n + 1);        // the other side: await link.events.request('ping', 1)
link.state.onMessage(({ payload, seq, sentAt }) => drawRemote(payload, sentAt));
setInterval(() => link.state.send({ x: me.x, y: me.y }), 50);

link.on('close', ({ reason, error }) => console.log('link closed:', reason, error?.name));
// #endregion
