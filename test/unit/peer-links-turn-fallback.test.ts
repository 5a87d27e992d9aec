/**
 * PeerLinks' TURN fallback, on fake links and a fake clock: when a link is not open after
 * `turnFallbackMs` and the room has TURN, the initiator starts over relay-only and says so in its
 * offer; the answering side follows with a relay-only link of its own. (The real thing, between
 * two symmetric NATs through coturn, is in test/integration/netlab-matrix.test.ts.)
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger, type Link, type LinkInit, type LinkSignal } from '@rallypoint/core';
import { PeerLinks } from '../../packages/lobby/src/peer-links.js';

type Made = { init: LinkInit; link: FakeLink };

class FakeLink {
  status: 'connecting' | 'open' | 'closed' = 'connecting';
  readonly signals: LinkSignal[] = [];
  readonly #handlers = new Map<string, Set<(event: unknown) => void>>();
  on(name: string, fn: (event: unknown) => void) {
    const set = this.#handlers.get(name) ?? new Set();
    set.add(fn);
    this.#handlers.set(name, set);
    return () => set.delete(fn);
  }
  emit(name: string, event: unknown) {
    for (const fn of this.#handlers.get(name) ?? []) fn(event);
  }
  signal(data: LinkSignal) {
    this.signals.push(data);
  }
  open() {
    this.status = 'open';
    this.emit('open', { maxMessageSize: 65536 });
  }
  close() {
    if (this.status === 'closed') return;
    this.status = 'closed';
    this.emit('close', { reason: 'local' });
  }
}

const TURN: RTCIceServer[] = [{ urls: 'turn:turn.example:3478', username: 'u', credential: 'c' }];
const STUN: RTCIceServer[] = [{ urls: 'stun:stun.example:3478' }];

function peerLinks(linkInit: Partial<LinkInit> = {}, turnFallbackMs = 4000) {
  const made: Made[] = [];
  const sent: Array<{ to: string; data: LinkSignal }> = [];
  const links = new PeerLinks({
    createLink: (init) => {
      const link = new FakeLink();
      made.push({ init, link });
      return link as unknown as Link;
    },
    linkInit,
    sendSignal: (to, data) => sent.push({ to, data }),
    onOpen: () => undefined,
    onClose: () => undefined,
    onError: () => undefined,
    onFailed: () => undefined,
    logger: silentLogger,
    retry: { baseDelayMs: 500, maxDelayMs: 8000, maxAttempts: 6 },
    random: () => 0.5,
    turnFallbackMs,
    relayFor: () => ({}),
  });
  return { links, made, sent };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('TURN fallback', () => {
  it('the initiator starts over relay-only after turnFallbackMs, and its offer says so', () => {
    const { links, made, sent } = peerLinks();
    links.reconcile('a', new Set(['b']), TURN); // 'a' < 'b': a initiates
    expect(made).toHaveLength(1);
    expect(made[0]!.init.iceTransportPolicy).toBeUndefined();
    vi.advanceTimersByTime(3999);
    expect(made).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(made[0]!.link.status).toBe('closed');
    expect(made).toHaveLength(2);
    expect(made[1]!.init.iceTransportPolicy).toBe('relay');
    made[1]!.link.emit('signal', { type: 'offer', sdp: 'v=0' });
    expect(sent.at(-1)).toEqual({ to: 'b', data: { type: 'offer', sdp: 'v=0', rallypointRelayOnly: true } });
    // The relay-only link is not cut short in its turn.
    vi.advanceTimersByTime(60_000);
    expect(made).toHaveLength(2);
  });

  it('does nothing once the link is open, without TURN, when turned off, or when the game chose relay', () => {
    for (const [servers, init, ms] of [
      [TURN, {}, 4000],
      [STUN, {}, 4000],
      [TURN, {}, 0],
      [TURN, { iceTransportPolicy: 'relay' }, 4000],
    ] as const) {
      const { links, made } = peerLinks(init, ms);
      links.reconcile('a', new Set(['b']), [...servers]);
      if (servers === TURN && ms > 0 && init.iceTransportPolicy === undefined) made[0]!.link.open();
      vi.advanceTimersByTime(10_000);
      expect(made).toHaveLength(1);
      links.close();
    }
  });

  it('the answering side follows a flagged offer with a relay-only link, and strips the flag', () => {
    const { links, made } = peerLinks();
    links.reconcile('b', new Set(['a']), TURN); // b answers a
    expect(made).toHaveLength(1);
    links.signal('a', { type: 'offer', sdp: 'first' });
    expect(made).toHaveLength(1);
    expect(made[0]!.link.signals).toEqual([{ type: 'offer', sdp: 'first' }]);
    links.signal('a', { type: 'offer', sdp: 'again', rallypointRelayOnly: true });
    expect(made[0]!.link.status).toBe('closed');
    expect(made).toHaveLength(2);
    expect(made[1]!.init.iceTransportPolicy).toBe('relay');
    expect(made[1]!.link.signals).toEqual([{ type: 'offer', sdp: 'again' }]);
    // The answerer never falls back on its own.
    vi.advanceTimersByTime(60_000);
    expect(made).toHaveLength(2);
  });

  it('a second offer on a connecting answerer link starts it over', () => {
    const { links, made } = peerLinks();
    links.reconcile('b', new Set(['a']), []);
    links.signal('a', { type: 'offer', sdp: 'one' });
    links.signal('a', { type: 'candidate', candidate: {} });
    links.signal('a', { type: 'offer', sdp: 'two' });
    expect(made).toHaveLength(2);
    expect(made[1]!.link.signals).toEqual([{ type: 'offer', sdp: 'two' }]);
  });
});
