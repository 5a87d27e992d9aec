/**
 * A banner that stays while something is being re-formed: "Reconnecting to the lobby…" while
 * the lobby connection is down and being retried, "Reconnecting to Ada…" while a link to a
 * player who is still in the room is re-formed. It follows each room session from the moment it
 * is set, so it hears a drop however soon after joining.
 */
import type { RoomSession } from '@rallypoint/lobby';
import { onSessionChange, type DemoContext } from './context.js';
import type { DemoTypes } from './net/protocol.js';

const LOBBY = '';

export function createReconnectBanner(ctx: DemoContext): void {
  let offs: (() => void)[] = [];
  /** What is being re-formed: the lobby (LOBBY) or a member's link (their id), by what to say. */
  const down = new Map<string, string>();
  const render = () => ctx.ui.banner([...down.values()].join(' '));
  const watch = (session: RoomSession<DemoTypes> | undefined) => {
    offs.splice(0).forEach((off) => off());
    down.clear();
    render();
    if (session === undefined) return;
    const nameOf = (id: string) => session.members.find((m) => m.id === id)?.name ?? 'a player';
    const clear = (key: string) => down.delete(key) && render();
    offs = [
      session.on('lobbyDisconnected', ({ willReconnect }) => {
        down.set(LOBBY, willReconnect ? 'Reconnecting to the lobby…' : 'Lost the lobby.');
        render();
      }),
      session.on('lobbyReconnected', () => clear(LOBBY)),
      session.on('linkClose', ({ peerId, reason }) => {
        if (reason === 'local' || !session.members.some((m) => m.id === peerId)) return;
        down.set(peerId, `Reconnecting to ${nameOf(peerId)}…`);
        render();
      }),
      session.on('linkOpen', ({ peerId }) => clear(peerId)),
      session.on('memberLeft', ({ member }) => clear(member.id)),
      session.on('linkFailed', ({ peerId }) => {
        clear(peerId);
        ctx.ui.toast(`Could not reach ${nameOf(peerId)}; trying again.`);
      }),
      session.on('closed', () => watch(undefined)),
    ];
  };
  onSessionChange(ctx, watch);
}
