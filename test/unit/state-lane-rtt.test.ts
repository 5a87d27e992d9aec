// RTT sampling on the state lane, on a virtual clock: which heartbeats count, which are left out
// for waiting behind this side's outgoing backlog. The figure on real channels is in
// `npm run bench -- link.rtt_burst`.
import { describe, expect, test } from 'vitest';
import { createFrameDecoder, createFrameEncoder } from '../../packages/core/src/wire/codec.js';
import { LinkConditioner } from '../../packages/core/src/lanes/conditioner.js';
import { RemoteClock } from '../../packages/core/src/lanes/sequence.js';
import { StateLane } from '../../packages/core/src/lanes/state-lane.js';

/** Two state lanes joined by channels that hold what is sent until `deliver()`. */
function lanePair() {
  let nowMs = 0;
  const scheduler = { now: () => nowMs, setTimeout: () => 0, clearTimeout: () => undefined };
  const side = () => {
    const s = {
      backlog: 0,
      inFlight: [] as Uint8Array[],
      lane: undefined as unknown as StateLane<unknown>,
    };
    s.lane = new StateLane<unknown>({
      encoder: createFrameEncoder(),
      conditioner: new LinkConditioner({}, scheduler),
      now: () => nowMs,
      epochMs: 0,
      highWaterMarkBytes: 64 * 1024,
      isOpen: () => true,
      maxMessageSize: () => 64 * 1024,
      report: (error) => {
        throw error;
      },
      onActivity: () => undefined,
      warn: (message) => {
        throw new Error(message);
      },
      backlogBytes: () => s.backlog,
    });
    s.lane.attach({ readyState: 'open', bufferedAmount: 0, send: (bytes: Uint8Array) => s.inFlight.push(new Uint8Array(bytes)) } as unknown as RTCDataChannel);
    s.lane.setRemote(createFrameDecoder(), new RemoteClock(0, 0));
    return s;
  };
  const a = side();
  const b = side();
  return {
    a,
    b,
    deliver,
    /** `a` pings; 10 ms there, 10 ms back. */
    roundTrip() {
      a.lane.ping();
      deliver(a, 10);
      deliver(b, 10);
    },
  };
  /** Moves the clock on, then hands everything `from` sent to the other side. */
  function deliver(from: typeof a, afterMs: number) {
    nowMs += afterMs;
    const to = from === a ? b : a;
    for (const bytes of from.inFlight.splice(0)) to.lane.receive(bytes);
  }
}

describe('state lane RTT samples', () => {
  test('a heartbeat with nothing queued is a sample: ping there, pong back', () => {
    const { a, roundTrip } = lanePair();
    roundTrip();
    expect(a.lane.rtt.samples).toBe(1);
    expect(a.lane.rtt.rttMs).toBeCloseTo(20, 6);
    expect(a.lane.rttSkipped).toBe(0);
  });

  test('a ping sent behind our backlog is left out, and the next one counts again', () => {
    const { a, b, deliver, roundTrip } = lanePair();
    a.backlog = 5000;
    a.lane.ping();
    a.backlog = 0;
    deliver(a, 400); // it waited behind the backlog
    deliver(b, 10);
    expect(b.lane.rttSkipped).toBe(0); // b had nothing queued: it answered
    expect(a.lane.rtt.samples).toBe(0);
    expect(a.lane.rttSkipped).toBe(1);
    roundTrip();
    expect(a.lane.rtt.samples).toBe(1);
    expect(a.lane.rtt.rttMs).toBeCloseTo(20, 6);
  });

  test('a ping that arrives while the answerer has a backlog gets no pong', () => {
    const { a, b, deliver, roundTrip } = lanePair();
    b.backlog = 5000;
    a.lane.ping();
    deliver(a, 10);
    expect(b.inFlight).toHaveLength(0);
    expect(b.lane.rttSkipped).toBe(1);
    b.backlog = 0;
    roundTrip();
    expect(a.lane.rtt.samples).toBe(1);
    expect(a.lane.rtt.rttMs).toBeCloseTo(20, 6);
  });

  test('a backlog of a few kilobytes or less does not stop sampling', () => {
    const { a, b, roundTrip } = lanePair();
    a.backlog = 4096;
    b.backlog = 4096;
    roundTrip();
    expect(a.lane.rtt.samples).toBe(1);
    expect(a.lane.rttSkipped + b.lane.rttSkipped).toBe(0);
  });

  test('pings left out are remembered only up to a bound: the oldest of a long run is forgotten', () => {
    const { a, b, deliver } = lanePair();
    a.backlog = 5000;
    // 17 pings behind the backlog, 1 ms apart (distinct timestamps); their pongs come back later.
    for (let i = 0; i < 17; i++) {
      a.lane.ping();
      deliver(a, 1);
    }
    a.backlog = 0;
    deliver(b, 10);
    // Sixteen are still known as queued and left out; the first was forgotten, so it is sampled.
    expect(a.lane.rttSkipped).toBe(16);
    expect(a.lane.rtt.samples).toBe(1);
  });
});
