/**
 * A read-only view of the demo for tests and curious developers (`window.rallypointDemo`): the
 * room, the members, what is drawn. It lives in the demo only; the libraries carry no test hooks.
 */
import type { DemoContext } from './context.js';

export function exposeDebugHandle(ctx: DemoContext): void {
  const handle = {
    get scene() {
      return ctx.scene;
    },
    /** 'webgl' or 'canvas' (renderer.ts). */
    get renderer() {
      return ctx.renderer;
    },
    get code() {
      return ctx.session?.code;
    },
    get me() {
      return ctx.session?.me.id;
    },
    get hostId() {
      return ctx.session?.hostId;
    },
    get members() {
      return ctx.session?.members.map((m) => ({ ...m })) ?? [];
    },
    get links() {
      return [...(ctx.session?.links ?? [])].map(([id, link]) => {
        const stats = link.stats();
        return {
          id,
          status: link.status,
          candidateType: stats.candidateType,
          transport: link.transport,
          rttMs: stats.rttMs,
          stateBytesIn: stats.state.bytesIn,
          stateBytesOut: stats.state.bytesOut,
          eventsBytesIn: stats.events.bytesIn,
          eventsBytesOut: stats.events.bytesOut,
          stateBadInput: stats.state.badInput,
        };
      });
    },
    /** Voice chat: whether it is on and sending, whom we hear and at what volume, who speaks. */
    get voice() {
      const session = ctx.session;
      if (session === undefined) return undefined;
      const v = session.voice;
      return {
        active: v.active,
        sending: v.sending,
        muted: v.muted,
        pushToTalk: v.pushToTalk,
        hearing: v.hearing,
        volumes: Object.fromEntries(session.members.map((m) => [m.id, v.volume(m.id)])),
        speaking: session.members.filter((m) => v.isSpeaking(m.id)).map((m) => m.id),
      };
    },
    /** Entities as last drawn, by id: players are slot + 1, gems from 100. */
    get entities() {
      return Object.fromEntries([...(ctx.lastView?.entities ?? [])].map(([id, e]) => [id, { ...e }]));
    },
    /** Until the round starts (the countdown), from the last frame drawn; 0 once it has. */
    get countdownMs() {
      return ctx.lastView?.countdownMs;
    },
    /** The game's sounds: muted, whether the first gesture has started audio, what played or was skipped. */
    get sound() {
      return { muted: ctx.sounds.muted, ...ctx.sounds.stats };
    },
    /** The reconnecting banner's text ('' when hidden). */
    get banner() {
      return ctx.ui.bannerText;
    },
    get myEntity() {
      return ctx.lastView?.myEntity;
    },
    /** The netcode's own figures, as the debug overlay shows them (refreshed once a second). */
    get netcode() {
      const stats = ctx.match?.stats;
      return stats === undefined ? undefined : { ...stats, interpolation: stats.interpolation === undefined ? undefined : { ...stats.interpolation } };
    },
    get slots() {
      return { ...ctx.match?.slots };
    },
    get scores() {
      return { ...ctx.lastView?.scores };
    },
    get lastScores() {
      return ctx.lastScores.map((s) => ({ ...s }));
    },
  };
  Object.defineProperty(globalThis, 'rallypointDemo', { value: Object.freeze(handle), configurable: false, writable: false });
}
