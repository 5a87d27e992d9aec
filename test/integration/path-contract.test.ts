/**
 * The path contract (test/helpers/path-contract.ts) over every path a link can travel by: a
 * `PeerPath` on real node-datachannel connections, a `RelayPath` through the real lobby server
 * (its own process, random port), and the in-memory loopback the fast link tests run on.
 */
import { createLink, nodeRtc, type LinkRelay } from '@rallypoint/core/node';
import { createLobby, type RoomSession } from '@rallypoint/lobby/node';
import { afterEach, describe, expect, it } from 'vitest';
import { PeerPath } from '../../packages/core/src/paths/peer-path.js';
import { RelayPath } from '../../packages/core/src/paths/relay-path.js';
import type { DirectPath, DirectPathFactory, DirectPathInit, LinkSignal } from '../../packages/core/src/paths/types.js';
import { LoopbackNetwork } from '../helpers/loopback.js';
import { describePathContract, numbered, recorder, type PathPair } from '../helpers/path-contract.js';
import { serverForFile } from '../helpers/server-per-file.js';
import { until } from '../helpers/wait.js';

const LOW_WATER_MARKS = { state: 16 * 1024, events: 256 * 1024 };

/** What a link gives each of its connections, with signals handed to `send`. */
function directInit(initiator: boolean, send: (signal: LinkSignal) => void): DirectPathInit {
  return {
    id: 0,
    initiator,
    rtc: nodeRtc,
    iceServers: [],
    iceTransportPolicy: 'all',
    stateChannelId: 100,
    lowWaterMarks: LOW_WATER_MARKS,
    onSignal: send,
    onDiagnostic: () => undefined,
    onConnected: () => undefined,
    media: { track: () => undefined, trackEnded: () => undefined, closed: () => undefined },
    debug: () => undefined,
  };
}

/** Two ends made by `make`, each signaling to the other through JSON, as any signaling path does. */
function directPair(make: DirectPathFactory): PathPair {
  const a = recorder();
  const b = recorder();
  const ends: { a?: DirectPath; b?: DirectPath } = {};
  const to = (side: 'a' | 'b') => (signal: LinkSignal) => ends[side]?.signal(JSON.parse(JSON.stringify(signal)) as LinkSignal);
  const pathB = (ends.b = make(directInit(false, to('a')), b.handlers));
  const pathA = (ends.a = make(directInit(true, to('b')), a.handlers));
  return {
    a: { path: pathA, heard: a.heard },
    b: { path: pathB, heard: b.heard },
    maxMessageBytes: 64 * 1024,
    close: () => {
      pathA.close();
      pathB.close();
    },
  };
}

describePathContract('a WebRTC connection (PeerPath, node-datachannel)', async () => directPair((init, handlers) => new PeerPath(init, handlers)), {
  kind: 'p2p',
  closeSeen: true,
  textAndEmpty: true,
});

describe('a WebRTC connection (PeerPath, node-datachannel): the first state frame', () => {
  // The initiator's state channel is open the moment SCTP is. When the answering side made its
  // own only on hearing of the events channel, a busy answering process (the lab under CPU load:
  // about half the connections) got the initiator's first state frame before it had the channel;
  // libdatachannel reset the stream, which closed the state channel on both ends. In one process
  // the events come in time, so the test checks the order that makes it safe: the answering side
  // has its state channel by the time its answer goes out, before any SCTP can exist.
  it('the answering side has its state channel when its answer goes out; a frame sent the moment the initiator opens arrives', async () => {
    let stateAtAnswer: string | null | undefined;
    let answering: DirectPath | undefined;
    const frame = numbered(7, 60);
    const pair = directPair((init, handlers) => {
      if (!init.initiator) {
        const onSignal = init.onSignal;
        answering = new PeerPath({ ...init, onSignal: (signal) => (signal.type === 'answer' && (stateAtAnswer ??= answering?.state?.readyState ?? null), onSignal(signal)) }, handlers);
        return answering;
      }
      const path: DirectPath = new PeerPath(init, { ...handlers, open: () => (handlers.open(), path.state!.send(frame)) });
      return path;
    });
    try {
      await until(() => pair.b.heard.state.length > 0, 'the first state frame arrived', 10_000);
      expect(stateAtAnswer).toBe('connecting');
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect([pair.a.heard.deaths.length, pair.b.heard.deaths.length, pair.a.path.isOpen, pair.b.path.isOpen]).toEqual([0, 0, true, true]);
    } finally {
      pair.close();
    }
  });
});

describePathContract(
  'the in-memory loopback (LoopbackPath)',
  async () => {
    const network = new LoopbackNetwork();
    return directPair((init, handlers) => network.factory(init.initiator ? 'a' : 'b')(init, handlers));
  },
  { kind: 'p2p', closeSeen: true, textAndEmpty: true },
);

// 2 MiB/s: the burst test's 4 MiB run into the budget, and the session's pacing makes the relay
// look backed up until it refills: that is the relay's backpressure.
const server = serverForFile(['--relay-bytes-per-second', String(2 * 1024 * 1024), '--creates-per-address', '0']);
const sessions: RoomSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.leave()));
});

/**
 * The relay each session offers its link to the other, taken from the link the session makes
 * (that link is given a relay that goes nowhere, so the path under test is the only one reading).
 */
async function relayPair(): Promise<PathPair> {
  const taken: { a?: LinkRelay; b?: LinkRelay } = {};
  const nowhere: LinkRelay = { send: () => undefined, bufferedAmount: 0, maxMessageSize: 1024, onFrame: () => () => undefined };
  const lobby = (side: 'a' | 'b') =>
    createLobby({
      url: server().url,
      relay: 'always',
      link: { connectTimeoutMs: 120_000 },
      createLink: (init) => {
        if (taken[side] === undefined && init.relay !== undefined) taken[side] = init.relay;
        return createLink({ ...init, relay: nowhere });
      },
    });
  const a = await lobby('a').create({ name: 'A' });
  const b = await lobby('b').join(a.code, { name: 'B' });
  sessions.push(a as unknown as RoomSession, b as unknown as RoomSession);
  await until(() => taken.a !== undefined && taken.b !== undefined, 'both sessions made their link');
  const ra = recorder();
  const rb = recorder();
  const pathA = new RelayPath(taken.a!, ra.handlers, LOW_WATER_MARKS.state);
  const pathB = new RelayPath(taken.b!, rb.handlers, LOW_WATER_MARKS.state);
  return {
    a: { path: pathA, heard: ra.heard },
    b: { path: pathB, heard: rb.heard },
    maxMessageBytes: pathA.maxMessageSize,
    close: () => {
      pathA.close();
      pathB.close();
    },
  };
}

describePathContract('the lobby relay (RelayPath, the real server)', relayPair, {
  kind: 'relay',
  closeSeen: false,
  textAndEmpty: false,
});
