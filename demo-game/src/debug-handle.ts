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
    /** Entities as last drawn, by id: players are slot + 1, gems from 100. */
    get entities() {
      return Object.fromEntries([...(ctx.lastView?.entities ?? [])].map(([id, e]) => [id, { ...e }]));
    },
    get myEntity() {
      return ctx.lastView?.myEntity;
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
