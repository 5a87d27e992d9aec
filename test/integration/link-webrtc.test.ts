/** The link contract on real data channels: node-datachannel on both sides, signaling in-process. */
import { ConnectTimeoutError, InvalidSignalError, createLink as createBrowserLink, type LinkTypes } from '@rallypoint/core';
import { createLink } from '@rallypoint/core/node';
import { describe, expect, it } from 'vitest';
import { describeLinkContract, type ContractFactory } from '../helpers/link-contract.js';
import { createLinkPair } from '../helpers/pair.js';
import { until, waitFor } from '../helpers/wait.js';

const createPair: ContractFactory = async <T extends LinkTypes>(options = {}) => {
  const pair = await createLinkPair<T>(options);
  return {
    a: pair.a,
    b: pair.b,
    injectFromB: (lane, data) => pair.spyB.sendRaw(lane, data),
    injectFrameFromB: (frame) => pair.spyB.sendFrame(frame),
    filterB: (filter) => pair.spyB.setFilter(filter),
    close: () => pair.close(),
  };
};

describeLinkContract('WebRTC data channels (node-datachannel)', createPair);

describe('a WebRTC link on its own', () => {
  it('opens when the answer travels slower than the direct path (node-datachannel as offerer)', async () => {
    // A signaling server is slower than the peers' direct path. If the offer let the answerer
    // start ICE at once, its DTLS handshake would reach libdatachannel before the answer (and the
    // fingerprint) did, and the offerer would abort: "certificate verify failed".
    const a = createLink({ initiator: true });
    const b = createLink({ initiator: false });
    try {
      const offerCandidates: string[] = [];
      a.on('signal', (data) => {
        if (data.type === 'offer') offerCandidates.push(...String(data['sdp']).split('\r\n').filter((l) => l.startsWith('a=candidate')));
        b.signal(data);
      });
      b.on('signal', (data) => setTimeout(() => a.signal(data), data.type === 'answer' ? 300 : 0));
      const failed = new Promise<never>((_, reject) => a.once('close', (e) => reject(e.error ?? new Error(e.reason))));
      await Promise.race([Promise.all([waitFor(a, 'open'), waitFor(b, 'open')]), failed]);
      expect(offerCandidates).toEqual([]);
    } finally {
      a.close();
      b.close();
    }
  });

  // Which heartbeats count is pinned on a virtual clock (state-lane-rtt.test.ts); the figure, the
  // RTT after a burst against the quiet one, is `npm run bench -- link.rtt_burst`. Here: the real
  // channels' bufferedAmount is what leaves them out.
  it('heartbeats behind a real backlog of bulk events are left out of the RTT', async () => {
    const pair = await createLinkPair<{ events: { blob: Uint8Array } }>({ a: { heartbeatIntervalMs: 100 }, b: { heartbeatIntervalMs: 100 } });
    try {
      await until(() => pair.a.stats().rttMs !== null && pair.b.stats().rttMs !== null, 'both sides measured an RTT');
      const skipped = () => pair.a.stats().rttSamplesSkipped + pair.b.stats().rttSamplesSkipped;
      expect(skipped(), 'nothing is left out while the link is quiet').toBe(0);
      let arrived = 0;
      pair.a.events.on('blob', () => arrived++);
      pair.b.events.on('blob', () => arrived++);
      for (let i = 0; i < 4; i++) {
        pair.a.events.emit('blob', new Uint8Array(5 << 20));
        pair.b.events.emit('blob', new Uint8Array(5 << 20));
      }
      await until(() => arrived === 8, 'the 40 MiB arrived', 30_000);
      console.log(`link-webrtc: heartbeats left out during the burst ${pair.a.stats().rttSamplesSkipped}/${pair.b.stats().rttSamplesSkipped}`);
      expect(skipped()).toBeGreaterThan(0);
    } finally {
      pair.close();
    }
  });

  it('closes with ConnectTimeoutError when nobody answers', async () => {
    const link = createLink({ initiator: true, connectTimeoutMs: 300 });
    const event = await waitFor(link, 'close');
    expect(event.reason).toBe('timeout');
    expect(event.error).toBeInstanceOf(ConnectTimeoutError);
  });

  it('reports signals it cannot use, without closing', async () => {
    const link = createLink({ initiator: false });
    const errors: Error[] = [];
    link.on('error', (e) => errors.push(e));
    link.signal({} as never);
    link.signal(null as never);
    await until(() => errors.length >= 2, 'the bad signals were reported');
    expect(errors.every((e) => e instanceof InvalidSignalError)).toBe(true);
    expect(link.status).toBe('connecting');
    link.close();
  });

  it('logs, rather than loops, when an error listener itself throws', async () => {
    const warnings: string[] = [];
    const logger = { debug: () => undefined, warn: (_: object, message: string) => warnings.push(message) };
    const link = createLink({ initiator: false, logger });
    link.on('error', () => {
      throw new Error('listener bug');
    });
    link.signal({} as never);
    expect(warnings).toEqual(["an 'error' listener threw"]);
    link.close();
  });

  it('refuses pre-shared structures the remote could not accept, and decode limits that make no sense', () => {
    expect(() => createLink({ initiator: true, structures: [[]] })).toThrow(TypeError);
    expect(() => createLink({ initiator: true, decodeLimits: { maxDepth: 0 } })).toThrow(/decodeLimits/);
    expect(() => createLink({ initiator: true, decodeLimits: { maxNodes: 1.5 } })).toThrow(/decodeLimits/);
  });

  it('refuses numeric options out of their documented range, naming the option, its unit and its range', () => {
    expect(() => createLink({ initiator: true, heartbeatIntervalMs: 0 })).toThrow('heartbeatIntervalMs must be a number (milliseconds), more than 0; got 0');
    expect(() => createLink({ initiator: true, connectTimeoutMs: Number.NaN })).toThrow(/connectTimeoutMs .* got NaN/);
    expect(() => createLink({ initiator: true, maxPendingRequests: 2.5 })).toThrow('maxPendingRequests must be a whole number (requests), at least 1; got 2.5');
    expect(() => createLink({ initiator: true, maxEventBytes: '1000' as unknown as number })).toThrow(/maxEventBytes/);
    expect(() => createLink({ initiator: true, stateChannelId: 1 })).toThrow('stateChannelId must be a whole number (a data channel id), 2 to 255; got 1');
    expect(() => createLink({ initiator: true, stateChannelId: 1000 })).toThrow(/stateChannelId/);
    expect(() => createLink({ initiator: true, pathTimeoutMs: -1 })).toThrow(/pathTimeoutMs .* at least 0/);
    // The edges are in: 0 where 0 means "off" or "at once", and the channel ids at both ends.
    for (const init of [{ pathTimeoutMs: 0 }, { eventsHighWaterMarkBytes: 0 }, { stateChannelId: 2 }, { stateChannelId: 255 }]) createLink({ initiator: true, ...init }).close();
  });

  it('says where to find WebRTC when there is none', () => {
    expect(() => createBrowserLink({ initiator: true })).toThrow(/@rallypoint\/core\/node/);
  });
});
