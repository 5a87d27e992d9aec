/** Starting rounds: the host starts one; everyone else follows the host's `start` event. */
import { UnheardErrors } from '@rallypoint/core';
import type { DemoContext } from '../context.js';
import { Match, type MatchEvents } from './match.js';
import type { GameEvents } from './protocol.js';

/** Match events go to whatever scene is listening now (the game scene sets these). */
function relay(ctx: DemoContext): MatchEvents {
  const unheard = new UnheardErrors(ctx.log.logger, () => performance.now());
  return {
    pickup: (event) => ctx.matchListener?.pickup(event),
    over: (scores, note) => ctx.matchListener?.over(scores, note),
    left: (id) => ctx.matchListener?.left(id),
    // The same rule as the library's: written down, at most once per kind a minute.
    error: (error, peerId) => unheard.report(error, peerId === undefined ? {} : { peerId }),
  };
}

export function hostRound(ctx: DemoContext): Match {
  ctx.match?.stop();
  ctx.match = Match.host(ctx.session!, relay(ctx), ctx.roundMs);
  return ctx.match;
}

/** Until the returned function is called, a `start` from the host begins a round here. */
export function followRounds(ctx: DemoContext, onStart: (match: Match) => void): () => void {
  const session = ctx.session!;
  const listening = new Map<string, () => void>();
  const listen = () => {
    const link = session.links.get(session.hostId);
    if (link === undefined || listening.has(session.hostId) || session.isHost) return;
    listening.set(
      session.hostId,
      link.events.on('start', (start: GameEvents['start']) => {
        if (!(session.me.id in start.slots)) return;
        ctx.match?.stop();
        ctx.match = Match.join(session, start, relay(ctx));
        onStart(ctx.match);
      }),
    );
  };
  listen();
  const offs = [session.on('linkOpen', listen), session.on('hostChanged', listen)];
  return () => {
    for (const off of offs) off();
    for (const off of listening.values()) off();
  };
}

/** Leave the room: stop the match, tell the room, forget the invite in the address bar. */
export async function leaveRoom(ctx: DemoContext): Promise<void> {
  ctx.match?.stop();
  ctx.match = undefined;
  const session = ctx.session;
  ctx.session = undefined;
  await session?.leave();
  history.replaceState(null, '', '/');
}
