/**
 * How this page reaches another player, as a player reads it: direct, through TURN, or through
 * the lobby's relay, with the round trip. Shown beside each player in the room's list and the
 * in-game scoreboard, and in the debug overlay at more length.
 */
import type { RoomSession } from '@rallypoint/lobby';
import type { DemoTypes } from './net/protocol.js';

export type Route = 'you' | 'direct' | 'TURN' | 'lobby relay' | 'connecting' | 'via host';

export interface Badge {
  route: Route;
  rttMs: number | null;
}

/** The route to `memberId` and its RTT (none where this page has no link of its own to them). */
export function badgeOf(session: RoomSession<DemoTypes>, memberId: string): Badge {
  if (memberId === session.me.id) return { route: 'you', rttMs: null };
  const link = session.links.get(memberId);
  // In a star room, guests reach each other through the host.
  if (link === undefined) return { route: session.isHost || memberId === session.hostId ? 'connecting' : 'via host', rttMs: null };
  const { transport, candidateType, rttMs } = link.stats();
  const route: Route = transport === 'relay' ? 'lobby relay' : transport === 'turn' || candidateType === 'relay' ? 'TURN' : candidateType === null ? 'connecting' : 'direct';
  return { route, rttMs };
}

/** "direct · 12 ms", "TURN · 40 ms", "lobby relay", "you". */
export function badgeText({ route, rttMs }: Badge): string {
  return rttMs === null || route === 'connecting' ? route : `${route} · ${Math.round(rttMs)} ms`;
}

/** Candidate types as a player reads them (the debug overlay's longer form). */
const HOW_CONNECTED: Record<string, string> = { host: 'direct (host)', srflx: 'direct through NAT (srflx)', prflx: 'direct through NAT (prflx)', relay: 'TURN relay' };

/** How a link is connected, in the debug overlay's words. */
export function howConnected(transport: string | null, candidateType: string | null): string {
  if (transport === 'relay') return 'lobby relay';
  if (candidateType === null) return 'connecting';
  return HOW_CONNECTED[candidateType] ?? candidateType;
}
