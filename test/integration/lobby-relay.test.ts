/**
 * The lobby relay, on the real server (its own process, random port): the link contract runs
 * unchanged over it, links with `relay: 'always'` carry both lanes through the server, and the
 * server counts what it relays.
 */
import { createLink, type LinkInit, type LinkTypes } from '@rallypoint/core';
import { createLink as createNodeLink } from '@rallypoint/core/node';
import { createLobby, type LobbyInit, type RoomSession } from '@rallypoint/lobby/node';
import { afterEach, expect, test } from 'vitest';
import { describeLinkContract, type ContractFactory } from '../helpers/link-contract.js';
import { serverForFile } from '../helpers/server-per-file.js';
import { Renumberer } from '../helpers/renumber.js';
import { createSpyRtc, type SpyRtc } from '../helpers/spy-rtc.js';
import { SideFilter, tappedRelay } from '../helpers/taps.js';
import { linksOpen } from '../helpers/session.js';
import { until, waitFor } from '../helpers/wait.js';

// 2 MiB/s (4 MiB in the bucket): the 5 MiB event waits about a second for budget, and the
// backed-up test reaches the point where the session holds state back after 4 MiB, not 16.
// Two link contracts make some 70 rooms from this address: past the per-address limits, which
// lobby-security.test.ts tests.
const server = serverForFile(['--relay-bytes-per-second', String(2 * 1024 * 1024), '--creates-per-address', '0', '--matchmake-per-address', '0', '--connections-per-address', '0']);
const sessions: RoomSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.leave()));
});

/**
 * Two sessions and the links between them, through the relay only; or, `moving`, links that open
 * on the relay at once (relay first, the default) and move to their direct connection
 * (node-datachannel) once it is confirmed. B's relay (and, moving, its data channels) are tapped, in one sequence space.
 */
async function relayedPair<T extends LinkTypes>(options: { a?: Partial<LinkInit>; b?: Partial<LinkInit>; waitOpen?: boolean } = {}, moving = false) {
  let tap: ReturnType<typeof tappedRelay> | undefined;
  let spy: SpyRtc | undefined;
  const lobby = (side: 'a' | 'b'): LobbyInit<T> => ({
    url: server().url,
    relay: moving ? 'auto' : 'always',
    link: options[side] ?? {},
    createLink: (init) => {
      // Relay only: the browser build of the link; with `direct: false` it needs no WebRTC at all.
      const make = moving ? createNodeLink<T> : createLink<T>;
      if (side === 'a' || init.relay === undefined) return make(init);
      const numbering = new Renumberer();
      const filter = new SideFilter();
      tap = tappedRelay(init.relay, numbering, filter);
      if (!moving) return make({ ...init, relay: tap.relay });
      spy = createSpyRtc(undefined, numbering, filter);
      return make({ ...init, relay: tap.relay, rtc: spy.rtc });
    },
  });
  const a = await createLobby<T>(lobby('a')).create({ name: 'A' });
  const b = await createLobby<T>(lobby('b')).join(a.code, { name: 'B' });
  sessions.push(a as unknown as RoomSession, b as unknown as RoomSession);
  await until(() => a.links.has(b.me.id) && b.links.has(a.me.id) && tap !== undefined, 'both sides made their link');
  const linkA = a.links.get(b.me.id)!;
  const linkB = b.links.get(a.me.id)!;
  if (options.waitOpen !== false) await Promise.all([waitFor(linkA, 'open'), waitFor(linkB, 'open')]);
  return { a: linkA, b: linkB, tap: tap!, spy, sessions: [a, b] as const };
}

const contractPair =
  (moving: boolean): ContractFactory =>
  async <T extends LinkTypes>(options = {}) => {
    const pair = await relayedPair<T>(options, moving);
    // Raw bytes go on the path B's link sends on now (before it opens: the relay, where it starts).
    const direct = () => pair.spy !== undefined && pair.b.transport !== 'relay' && pair.spy.channel('events')?.readyState === 'open';
    return {
      a: pair.a,
      b: pair.b,
      injectFromB: (lane, data) => (direct() ? pair.spy!.sendRaw(lane, data) : pair.tap.inject(lane, data)),
      injectFrameFromB: (frame) => (direct() ? pair.spy!.sendFrame(frame) : pair.tap.injectFrame(frame)),
      filterB: pair.tap.setFilter,
      close: () => {
        pair.a.close();
        pair.b.close();
      },
    };
  };

describeLinkContract('the lobby relay', contractPair(false), { transport: 'relay', textAndEmptyFrames: false });
describeLinkContract('the lobby relay, then a direct connection (node-datachannel)', contractPair(true), {
  transport: 'p2p',
  opensOn: 'relay',
  textAndEmptyFrames: true,
});

test('relayed links are counted in /metrics: bytes, frames and the links themselves', async () => {
  const { a, b } = await relayedPair<{ events: { n: number }; state: { x: number } }>();
  const got: number[] = [];
  b.events.on('n', (n) => got.push(n));
  for (let n = 0; n < 100; n++) a.events.emit('n', n);
  await until(() => got.length === 100, '100 events relayed');
  const metrics = await server().metrics();
  expect(metrics).toMatch(/^rallypoint_relayed_links [1-9]/m);
  expect(Number(/^rallypoint_relay_bytes_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(100 * 4);
  expect(a.transport).toBe('relay');
});

// colyseus.js keeps one send buffer for the whole process (see makeRoomForBytes in the lobby's
// session-relay.ts): a relay frame past its first 8 KiB once broke every later signal in Node.
test('after a relay frame past colyseus.js’s 8 KiB send buffer, signals still go out: two more players link directly', async () => {
  const { a, b } = await relayedPair<{ events: { blob: Uint8Array } }>();
  let got = 0;
  b.events.on('blob', () => got++);
  a.events.emit('blob', new Uint8Array(12 * 1024));
  await until(() => got === 1, 'the 12 KiB event arrived through the relay');
  // A new room in the same process: its links connect directly only if its signals (SDP) go out.
  const c = await createLobby({ url: server().url }).create({ name: 'C' });
  const d = await createLobby({ url: server().url }).join(c.code, { name: 'D' });
  sessions.push(c as unknown as RoomSession, d as unknown as RoomSession);
  await linksOpen(c, [d.me.id]);
  // They open on the relay (relay first) and reach their direct connection only through signals.
  await until(() => c.links.get(d.me.id)?.transport === 'p2p', 'C and D on their direct connection');
});
