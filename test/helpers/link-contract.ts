/**
 * The link contract: what every link implementation must do, whatever carries its bytes. Each
 * implementation (WebRTC data channels now, the lobby relay later) runs this same suite through
 * a factory that hands back a connected pair plus raw access to the transport under it.
 */
import {
  HandlerError,
  HandshakeError,
  HeartbeatTimeoutError,
  InvalidMessageError,
  LINK_PROTOCOL_VERSION,
  LinkClosedError,
  MessageTooLargeError,
  ProtocolVersionMismatchError,
  RemoteRequestError,
  RequestTimeoutError,
  type Lane,
  type Link,
  type LinkInit,
  type LinkTransport,
  type LinkTypes,
} from '@rallypoint/core';
import { pack, unpack } from 'msgpackr';
import { afterEach, describe, expect, it } from 'vitest';
import { until, waitFor } from './wait.js';

export interface ContractPair<T extends LinkTypes> {
  a: Link<T>;
  b: Link<T>;
  /** Bytes straight onto B's raw transport for `lane`, so A receives them as if B sent them. */
  injectFromB(lane: Lane, data: Uint8Array | string): void;
  /**
   * An encoded events-lane data frame (event, request, response, fragment) onto B's transport as
   * B's next one, numbered (see test/helpers/renumber.ts): as a hostile peer's own link would send it.
   */
  injectFrameFromB(frame: Uint8Array): void;
  /** Rewrite (or drop, by returning null) everything B's link sends from now on. */
  filterB(filter: ((lane: Lane, bytes: Uint8Array) => Uint8Array | null) | null): void;
  close(): void;
}

export interface ContractPairOptions {
  a?: Partial<LinkInit>;
  b?: Partial<LinkInit>;
  waitOpen?: boolean;
}

export type ContractFactory = <T extends LinkTypes>(options?: ContractPairOptions) => Promise<ContractPair<T>>;

type Game = {
  events: { seq: number; blob: Uint8Array; ping: string; hit: { by: string; damage: number } };
  requests: {
    add: { request: { x: number; y: number }; response: number };
    slow: { request: null; response: string };
    fail: { request: null; response: never };
    missing: { request: null; response: never };
  };
  state: { n: number; pad?: Uint8Array };
};

/** Deterministic pseudo-random bytes, so a failing comparison can be reproduced. */
function bytesOf(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** What the transport under test is, as the link reports it. */
export interface ContractTransport {
  /** `link.transport` once open. */
  transport: LinkTransport;
  /**
   * Whether a peer can put text messages and empty messages on it (data channels can; the relay
   * carries bytes, and the server refuses an empty frame): the garbage test leaves out the rest.
   */
  textAndEmptyFrames: boolean;
  /** How the link opens, when it opens on one path and moves to `transport` (instant start). @default transport */
  opensOn?: LinkTransport;
  /** Whether its connections report their state (`diagnostic` events): real WebRTC ones do. @default true */
  diagnostics?: boolean;
}

export function describeLinkContract(name: string, createPair: ContractFactory, expected: ContractTransport = { transport: 'p2p', textAndEmptyFrames: true }): void {
  describe(`link contract over ${name}`, () => {
    const open: Array<{ close(): void }> = [];
    const make = async <T extends LinkTypes = Game>(options?: ContractPairOptions) => {
      const pair = await createPair<T>(options);
      open.push(pair);
      // A link that opens on one path and moves: the tests run once it has moved.
      if (options?.waitOpen !== false) {
        await until(() => pair.a.transport === expected.transport && pair.b.transport === expected.transport, `both links on ${expected.transport}`).catch((error: Error) => {
          const where = (link: Link<T>) => `${link.status} on ${String(link.transport)} after ${link.stats().pathChanges} moves`;
          throw new Error(`${error.message} (A ${where(pair.a)}, B ${where(pair.b)})`);
        });
      }
      return pair;
    };
    afterEach(() => {
      for (const pair of open.splice(0)) pair.close();
    });

    it('opens both lanes on both sides and reports the connection', async () => {
      const pair = await make({ waitOpen: false });
      const states: string[] = [];
      pair.a.on('diagnostic', (d) => {
        if (d.kind === 'connection-state') states.push(d.state);
      });
      expect(pair.a.status).toBe('connecting');
      await Promise.all([waitFor(pair.a, 'open'), waitFor(pair.b, 'open')]);
      expect(pair.a.status).toBe('open');
      expect(pair.b.status).toBe('open');
      const opensOn = expected.opensOn ?? expected.transport;
      expect([pair.a.transport, pair.b.transport]).toEqual([opensOn, opensOn]);
      if (opensOn !== expected.transport) {
        await until(() => pair.a.transport === expected.transport && pair.b.transport === expected.transport, `both links moved to ${expected.transport}`);
        for (const link of [pair.a, pair.b]) expect(link.stats().pathChanges).toBeGreaterThanOrEqual(1);
      }
      await until(() => pair.a.stats().rttMs !== null && pair.b.stats().rttMs !== null, 'both sides measured an RTT');
      if (expected.transport === 'relay') {
        expect(states).toEqual([]); // no connection at all
        expect(pair.a.stats().candidateType).toBeNull();
        return;
      }
      if (expected.diagnostics !== false) expect(states).toContain('connected');
      await until(() => pair.a.stats().candidateType !== null, 'the candidate pair type is known');
      expect(pair.a.stats().candidateType).toBe('host');
    });

    it('delivers 10,000 events exactly once and in order', async () => {
      const { a, b } = await make();
      const got: number[] = [];
      b.events.on('seq', (n) => got.push(n));
      for (let i = 0; i < 10_000; i++) a.events.emit('seq', i);
      await until(() => got.length >= 10_000, '10,000 events arrived', 30_000);
      expect(got).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
      expect(b.stats().events.badInput).toBe(0);
    });

    it('counts traffic per lane, in totals and per second', async () => {
      const { a, b } = await make({ a: { heartbeatIntervalMs: 100 }, b: { heartbeatIntervalMs: 100 } });
      let received = 0;
      let pings = 0;
      let emitted = 0;
      b.state.onMessage(() => received++);
      b.events.on('ping', () => pings++);
      const sendFor = async (ms: number) => {
        const end = Date.now() + ms;
        while (Date.now() < end) {
          a.state.send({ n: 1 });
          a.events.emit('ping', 'x');
          emitted++;
          await new Promise((r) => setTimeout(r, 5));
        }
      };
      await sendFor(350);
      await until(() => received > 0 && b.stats().state.messagesInPerSec > 0, 'rates were sampled');
      // The events lane is reliable: every frame A sent arrives, the hello included, none lost.
      await until(() => b.stats().events.messagesIn >= a.stats().events.messagesOut, 'every event frame arrived');
      const sa = a.stats();
      const sb = b.stats();
      expect(pings).toBe(emitted);
      expect(sb.events.messagesIn).toBe(sa.events.messagesOut);
      expect(sb.state.bytesIn).toBeGreaterThan(0);
      expect(sa.state.bytesOutPerSec).toBeGreaterThan(0);
      expect(sb.events.messagesInPerSec).toBeGreaterThan(0);
      expect(sb.state.lossRate).toBe(0);
    });

    it('delivers events emitted before the link opened, after it opens', async () => {
      const pair = await make({ waitOpen: false });
      const got: string[] = [];
      pair.b.events.on('ping', (text) => got.push(text));
      pair.a.events.emit('ping', 'early');
      await waitFor(pair.a, 'open');
      pair.a.events.emit('ping', 'late');
      await until(() => got.length === 2, 'both events arrived');
      expect(got).toEqual(['early', 'late']);
    });

    it('delivers state newest-first: stale and duplicate messages are dropped and counted', async () => {
      const { a, b } = await make({ a: { conditions: { seed: 7, state: { reorder: 0.3, duplicate: 0.3, jitterMs: 5 } } } });
      const seen: Array<{ n: number; seq: number }> = [];
      b.state.onMessage(({ payload, seq }) => seen.push({ n: payload.n, seq }));
      for (let n = 0; n < 300; n++) {
        a.state.send({ n });
        await new Promise((r) => setTimeout(r, 1));
      }
      // Nothing is lost here: every message is delivered once or dropped as stale.
      await until(() => seen.length + b.stats().state.stale >= 300, 'all 300 were delivered or dropped');
      const ns = seen.map((s) => s.n);
      expect(ns.every((n, i) => i === 0 || n > (ns[i - 1] as number))).toBe(true);
      const stats = b.stats().state;
      expect(stats.stale).toBeGreaterThan(0);
      expect(stats.duplicates).toBeGreaterThan(0);
      expect(seen.length + stats.stale).toBe(300);
    });

    it('counts state-lane loss from sequence gaps', async () => {
      const { a, b } = await make({ a: { conditions: { seed: 3, state: { loss: 0.2 } } } });
      let last = -1;
      b.state.onMessage(({ payload }) => (last = payload.n));
      for (let n = 0; n < 500; n++) a.state.send({ n });
      a.setConditions({});
      a.state.send({ n: 500 });
      await until(() => last === 500, 'the final state arrived');
      // 20% of 500 with this seed; the sends are not reordered on the way, so every gap is a loss.
      const { lost } = b.stats().state;
      expect(lost).toBeGreaterThan(50);
      expect(lost).toBeLessThan(160);
    });

    it('keeps only the newest unsent state when the channel is backed up', async () => {
      const { a, b } = await make({ a: { stateHighWaterMarkBytes: 0 } });
      // Under every path's message size limit (the relay's is about 16 KiB).
      const pad = new Uint8Array(8 * 1024);
      let last = -1;
      b.state.onMessage(({ payload }) => (last = payload.n));
      const results = { sent: 0, queued: 0, 'not-open': 0 };
      // Send in one synchronous run until the channel is backed up (how soon depends on how fast the
      // other side drains, so on the machine), then some more: all of it waits as one message.
      let n = 0;
      while (results.queued === 0 && n < 5000) results[a.state.send({ n: n++, pad })]++;
      for (let more = 0; more < 100; more++) results[a.state.send({ n: n++, pad })]++;
      expect(results.queued).toBeGreaterThan(0);
      expect(a.stats().state.replaced).toBe(results.queued - 1);
      const newest = n - 1;
      await until(() => last === newest, 'the newest state arrived');
    });

    it('refuses an oversized state message before sending', async () => {
      const { a } = await make();
      const before = a.stats().state.messagesOut;
      expect(() => a.state.send({ n: 1, pad: new Uint8Array(2 * 1024 * 1024) })).toThrow(MessageTooLargeError);
      expect(a.stats().state.messagesOut).toBe(before);
      expect(a.state.send({ n: 2 })).toBe('sent');
    });

    it('carries a 5 MiB event intact, in fragments', async () => {
      const { a, b } = await make();
      const blob = bytesOf(5 * 1024 * 1024, 42);
      const received = new Promise<Uint8Array>((resolve) => b.events.once('blob', resolve));
      a.events.emit('blob', blob);
      const got = await received;
      expect(got.byteLength).toBe(blob.byteLength);
      expect(Buffer.compare(Buffer.from(got), Buffer.from(blob))).toBe(0);
      expect(a.stats().events.messagesOut).toBeGreaterThan(5 * 1024 * 1024 / (256 * 1024));
    });

    it('refuses an event above maxEventBytes', async () => {
      const { a } = await make({ a: { maxEventBytes: 1024 } });
      expect(() => a.events.emit('blob', new Uint8Array(2048))).toThrow(MessageTooLargeError);
    });

    it('answers requests, and names every way a request fails', async () => {
      const { a, b } = await make();
      const errors: Error[] = [];
      b.on('error', (e) => errors.push(e));
      b.events.handle('add', async ({ x, y }) => x + y);
      b.events.handle('slow', () => new Promise((resolve) => setTimeout(() => resolve('late'), 2000)));
      b.events.handle('fail', () => {
        throw new Error('boom');
      });
      expect(await a.events.request('add', { x: 2, y: 3 })).toBe(5);
      await expect(a.events.request('missing', null)).rejects.toMatchObject({ name: 'RemoteRequestError', failure: 'no-handler' });
      const failed = a.events.request('fail', null);
      await expect(failed).rejects.toBeInstanceOf(RemoteRequestError);
      await expect(failed).rejects.toMatchObject({ failure: 'handler-failed', remoteMessage: 'boom' });
      expect(errors.some((e) => e instanceof HandlerError)).toBe(true);
      await expect(a.events.request('slow', null, { timeoutMs: 100 })).rejects.toBeInstanceOf(RequestTimeoutError);
      expect(a.stats().events.pendingRequests).toBe(0);
    });

    it('closes both sides on close(), idempotently, and rejects what was pending', async () => {
      const { a, b } = await make();
      b.events.handle('slow', () => new Promise(() => undefined));
      const pending = a.events.request('slow', null, { timeoutMs: 30_000 });
      const closes: string[] = [];
      a.on('close', (e) => closes.push(e.reason));
      const remoteClosed = waitFor(b, 'close');
      a.close();
      a.close();
      await expect(pending).rejects.toBeInstanceOf(LinkClosedError);
      expect((await remoteClosed).reason).toBe('remote');
      expect(closes).toEqual(['local']);
      expect(a.status).toBe('closed');
      expect(() => a.events.emit('ping', 'after close')).toThrow(LinkClosedError);
      expect(a.state.send({ n: 1 })).toBe('not-open');
    });

    it('closes with reason "timeout" when the peer vanishes without a goodbye', async () => {
      const pair = await make({ a: { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 600 } });
      const closed = waitFor(pair.a, 'close');
      pair.filterB(() => null); // B's traffic disappears mid-game: no goodbye, no channel close
      const event = await closed;
      expect(event.reason).toBe('timeout');
      expect(event.error).toBeInstanceOf(HeartbeatTimeoutError);
    });

    it('reports garbage on either lane as named errors and keeps delivering', async () => {
      const { a, b, injectFromB, injectFrameFromB } = await make();
      // A link that opens on one path and moves to another: the garbage goes on the path it ends
      // on (the relay carries no text, and a busy machine may not have moved yet).
      if (expected.opensOn !== undefined && expected.opensOn !== expected.transport) {
        await until(() => a.transport === expected.transport && b.transport === expected.transport, `both links moved to ${expected.transport}`);
      }
      const errors: Error[] = [];
      a.on('error', (e) => errors.push(e));
      const all: Array<[Lane, Uint8Array | string, string]> = [
        ['state', new Uint8Array([0xc1]), 'MalformedMessageError'], // 0xc1 starts no msgpack value: refused before decoding
        ['state', new Uint8Array([]), 'MalformedMessageError'],
        ['state', bytesOf(64, 9), 'MalformedMessageError'],
        ['state', pack([16, 1]).subarray(0, 2), 'MalformedMessageError'],
        ['state', 'a text message', 'MalformedMessageError'],
        ['state', pack({ not: 'a frame' }), 'InvalidMessageError'],
        ['state', pack([99, 1, 2]), 'UnknownMessageKindError'],
        ['state', pack([16, -1, 0, 'x']), 'InvalidMessageError'],
        ['state', pack([18, 1, 2]), 'InvalidMessageError'],
        ['events', new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff]), 'MalformedMessageError'],
        ['events', bytesOf(300, 11), 'MalformedMessageError'],
        ['events', 'text on the events lane', 'MalformedMessageError'],
        ['events', pack([2, 42, 'payload']), 'InvalidMessageError'],
        ['events', pack([77]), 'UnknownMessageKindError'],
        ['events', pack([3, 'id', 'name', null]), 'InvalidMessageError'],
        ['events', pack([5, 1, 3, 2, new Uint8Array(4)]), 'InvalidMessageError'],
        ['events', pack([2, 'ping', 'an event without its sequence number']), 'InvalidMessageError'],
        ['events', pack([1, 1, [], 65536, 0, 0]), 'HandshakeError'],
      ];
      const garbage = expected.textAndEmptyFrames ? all : all.filter(([, data]) => typeof data !== 'string' && data.byteLength > 0);
      // Frames that are wrong only in what they say, numbered as B's link numbers its own.
      const numbered: Array<[Uint8Array, string]> = [
        [pack([5, 1, 1, 3, new Uint8Array(4)]), 'FragmentError'],
        [pack([4, 123456, true, 'answer to nothing']), ''],
        [pack([7, 5]), 'InvalidMessageError'], // an ack behind a sequence number
      ];
      const names = [...garbage, ...numbered.map(([data, name]) => ['events', data, name] as const)].map(([, , name]) => name).filter((name) => name !== '');
      for (const [lane, data] of garbage) injectFromB(lane, data);
      for (const [data] of numbered) injectFrameFromB(data);
      await until(() => errors.length >= names.length, `${names.length} errors were reported`);
      expect(errors.map((e) => e.name).sort()).toEqual([...names].sort());
      const stats = a.stats();
      expect(stats.state.badInput).toBe(garbage.filter(([lane, , n]) => lane === 'state' && n !== '').length);
      expect(a.status).toBe('open');

      const hits: Array<{ by: string; damage: number }> = [];
      let lastState = -1;
      a.events.on('hit', (hit) => hits.push(hit));
      a.state.onMessage(({ payload }) => (lastState = payload.n));
      b.events.emit('hit', { by: 'b', damage: 3 });
      b.state.send({ n: 7 });
      await until(() => hits.length === 1 && lastState === 7, 'both lanes still deliver');
      expect(hits).toEqual([{ by: 'b', damage: 3 }]);
    });

    it('refuses a malformed hello with HandshakeError, and frames sent before the hello', async () => {
      const pair = await make({ waitOpen: false });
      pair.filterB((lane, bytes) => {
        const frame: unknown = lane === 'events' ? unpack(bytes) : null;
        if (!Array.isArray(frame) || frame[0] !== 1) return bytes;
        frame[2] = [[42]]; // structures must be lists of string keys
        return pack(frame);
      });
      const event = await waitFor(pair.a, 'close');
      expect(event.reason).toBe('protocol-error');
      expect(event.error).toBeInstanceOf(HandshakeError);

      const next = await make({ waitOpen: false });
      const errors: Error[] = [];
      next.a.on('error', (e) => errors.push(e));
      next.filterB((lane, bytes) => {
        const frame: unknown = lane === 'events' ? unpack(bytes) : null;
        if (Array.isArray(frame) && frame[0] === 1) next.injectFrameFromB(pack([2, 'ping', 'too early']));
        return bytes;
      });
      await waitFor(next.a, 'open');
      await until(() => errors.length > 0, 'the early frame was reported');
      expect(errors[0]).toBeInstanceOf(InvalidMessageError);
    });

    it('closes with ProtocolVersionMismatchError when the versions differ', async () => {
      const pair = await make({ waitOpen: false });
      pair.filterB((lane, bytes) => {
        if (lane !== 'events') return bytes;
        const frame: unknown = unpack(bytes);
        if (!Array.isArray(frame) || frame[0] !== 1) return bytes;
        frame[1] = 99;
        return pack(frame);
      });
      const event = await waitFor(pair.a, 'close');
      expect(event.reason).toBe('protocol-error');
      expect(event.error).toBeInstanceOf(ProtocolVersionMismatchError);
      expect(event.error).toMatchObject({ localVersion: LINK_PROTOCOL_VERSION, remoteVersion: 99 });
    });
  });
}
