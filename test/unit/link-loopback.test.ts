/**
 * The link contract on in-memory paths, in a few seconds: links over loopback connections (the
 * link's whole path management with no WebRTC under it), and links that open on an in-memory
 * relay and move to a loopback connection once it opens. The same suite runs on real data
 * channels and the real lobby relay in the integration tests.
 */
import type { Link, LinkInit, LinkSignal, LinkTypes } from '@rallypoint/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createLinkWith } from '../../packages/core/src/link/link.js';
import { describeLinkContract, type ContractFactory } from '../helpers/link-contract.js';
import { LoopbackNetwork, loopbackRtc, memoryRelay } from '../helpers/loopback.js';
import { Renumberer } from '../helpers/renumber.js';
import { SideFilter, tapLoopback, tappedRelay } from '../helpers/taps.js';
import { until, waitFor } from '../helpers/wait.js';

/** Two links over a loopback network, signaling to each other through JSON; with `relay`, over an in-memory relay too. */
function loopbackPair(withRelay: boolean): ContractFactory {
  return async <T extends LinkTypes>(options: { a?: Partial<LinkInit>; b?: Partial<LinkInit>; waitOpen?: boolean } = {}) => {
    // Opening on the relay first needs a connection that takes a while, as a real one does.
    const network = new LoopbackNetwork({ openDelayMs: withRelay ? 50 : 0 });
    const numbering = new Renumberer();
    const filter = new SideFilter();
    const tap = tapLoopback(network, 'b', numbering, filter);
    const relays = withRelay ? memoryRelay() : undefined;
    const relayTap = relays === undefined ? undefined : tappedRelay(relays.b, numbering, filter);
    const relayOf = (side: 'a' | 'b'): Partial<LinkInit> => (relays === undefined ? {} : { relay: side === 'a' ? relays.a : relayTap!.relay });
    const a = createLinkWith<T>({ rtc: loopbackRtc, ...relayOf('a'), ...options.a, initiator: true }, { createPath: network.factory('a') });
    const b = createLinkWith<T>({ rtc: loopbackRtc, ...relayOf('b'), ...options.b, initiator: false }, { createPath: network.factory('b') });
    a.on('signal', (data) => b.signal(JSON.parse(JSON.stringify(data)) as LinkSignal));
    b.on('signal', (data) => a.signal(JSON.parse(JSON.stringify(data)) as LinkSignal));
    const onRelay = () => relayTap !== undefined && b.transport !== 'p2p' && network.current('b')?.isOpen !== true;
    if (options.waitOpen !== false) await Promise.all([waitFor(a, 'open'), waitFor(b, 'open')]);
    return {
      a,
      b,
      // Raw bytes go on the path B's link sends on now (before it opens: the relay, if it has one).
      injectFromB: (lane, data) => (onRelay() ? relayTap!.inject(lane, data) : tap.inject(lane, data)),
      injectFrameFromB: (frame) => (onRelay() ? relayTap!.injectFrame(frame) : tap.injectFrame(frame)),
      filterB: (next) => void tap.setFilter(next),
      close: () => {
        a.close();
        b.close();
      },
    };
  };
}

describeLinkContract('loopback connections (in memory)', loopbackPair(false), { transport: 'p2p', textAndEmptyFrames: true, diagnostics: false });
describeLinkContract('an in-memory relay, then a loopback connection', loopbackPair(true), {
  transport: 'p2p',
  opensOn: 'relay',
  textAndEmptyFrames: true,
  diagnostics: false,
});

describe('the first connection\'s signals', () => {
  const links: Link[] = [];
  afterEach(() => {
    for (const link of links.splice(0)) link.close();
  });

  /** A pair on a loopback network, with every signal A sends kept. */
  function signalingPair(network: LoopbackNetwork, init: Partial<LinkInit> & { relays?: ReturnType<typeof memoryRelay> }) {
    const { relays, ...rest } = init;
    const a = createLinkWith({ rtc: loopbackRtc, ...rest, ...(relays ? { relay: relays.a } : {}), initiator: true }, { createPath: network.factory('a') });
    const b = createLinkWith({ rtc: loopbackRtc, ...rest, ...(relays ? { relay: relays.b } : {}), initiator: false }, { createPath: network.factory('b') });
    links.push(a, b);
    const sent: LinkSignal[] = [];
    a.on('signal', (data) => {
      sent.push(data);
      b.signal(data);
    });
    b.on('signal', (data) => a.signal(data));
    return { a, b, sent };
  }

  it('go bare while the link is new: a bare offer is how the lobby tells a peer starting over', async () => {
    const { a, b, sent } = signalingPair(new LoopbackNetwork(), {});
    await Promise.all([waitFor(a, 'open'), waitFor(b, 'open')]);
    expect(sent[0]).toMatchObject({ type: 'offer' });
  });

  it('go wrapped once the link has sent its hello on the relay, so the lobby does not take the offer for a new start', async () => {
    // The link opens on the relay before the first connection has even made its offer.
    const network = new LoopbackNetwork({ holdOffers: true });
    const { a, b, sent } = signalingPair(network, { relays: memoryRelay() });
    await Promise.all([waitFor(a, 'open'), waitFor(b, 'open')]);
    expect([a.transport, b.transport]).toEqual(['relay', 'relay']);
    expect(sent).toEqual([]);
    network.releaseOffers();
    await until(() => a.transport === 'p2p' && b.transport === 'p2p', 'both links moved to the connection');
    expect(sent[0]).toMatchObject({ type: 'rallypoint-path', path: 0, data: { type: 'offer' } });
    expect(sent.some((signal) => signal.type === 'offer')).toBe(false);
  });
});
