/**
 * Link benchmarks: @rallypoint/core against two bare node-datachannel peer connections with the
 * same channel settings (raw.ts), alternating in one run, reported as ratios.
 */
import { createLink, type Link, type LinkInit } from '@rallypoint/core/node';
import { SignalTally, alternate, next, percentile, round, sleep, type Scenario } from './harness.js';
import { connectRawPair, type RawPair } from './raw.js';

type BenchTypes = { events: { blob: Uint8Array }; state: Uint8Array };
type LinkPair = { a: Link<BenchTypes>; b: Link<BenchTypes>; signals: { count: number; turns: number }; close(): void };

async function connectLinkPair(init: Omit<LinkInit, 'initiator'> = {}): Promise<LinkPair> {
  const a = createLink<BenchTypes>({ ...init, initiator: true });
  const b = createLink<BenchTypes>({ ...init, initiator: false });
  const signals = new SignalTally();
  a.on('signal', (data) => (signals.record('a'), b.signal(data)));
  b.on('signal', (data) => (signals.record('b'), a.signal(data)));
  const opened = (link: Link<BenchTypes>) => new Promise<void>((resolve) => link.once('open', () => resolve()));
  await Promise.all([opened(a), opened(b)]);
  return { a, b, signals: { count: signals.count, turns: signals.turns }, close: () => (a.close(), b.close()) };
}

const CONNECT_RUNS = 60;

const connect: Scenario = {
  name: 'link.connect',
  description: `create both sides → both lanes open (ours: open), ${CONNECT_RUNS} runs each: time, connects over 500 ms (libdatachannel's 1 s DTLS retransmit), and the signaling messages and turns it took`,
  async run() {
    type Run = { ms: number[]; signals: number[]; turns: number[] };
    const ours: Run = { ms: [], signals: [], turns: [] };
    const raw: Run = { ms: [], signals: [], turns: [] };
    const time = async (into: Run, open: () => Promise<{ signals: { count: number; turns: number }; close(): void }>) => {
      const t0 = performance.now();
      const pair = await open();
      into.ms.push(performance.now() - t0);
      into.signals.push(pair.signals.count);
      into.turns.push(pair.signals.turns);
      pair.close();
      await sleep(20);
    };
    const warmUp: Run = { ms: [], signals: [], turns: [] };
    await alternate(2, () => time(warmUp, connectLinkPair), () => time(warmUp, connectRawPair));
    await alternate(CONNECT_RUNS, () => time(ours, connectLinkPair), () => time(raw, connectRawPair));
    const oursP50 = percentile(ours.ms, 50);
    const rawP50 = percentile(raw.ms, 50);
    return {
      ours_ms_p50: round(oursP50),
      raw_ms_p50: round(rawP50),
      ratio: round(oursP50 / rawP50),
      ours_over_500ms: ours.ms.filter((ms) => ms > 500).length,
      raw_over_500ms: raw.ms.filter((ms) => ms > 500).length,
      ours_signals_p50: percentile(ours.signals, 50),
      raw_signals_p50: percentile(raw.signals, 50),
      ours_signal_turns_p50: percentile(ours.turns, 50),
      raw_signal_turns_p50: percentile(raw.turns, 50),
    };
  },
};

const rtt: Scenario = {
  name: 'link.rtt',
  description: 'state-lane ping-pong, 64 B payload, one in flight, 2,000 samples each',
  async run() {
    const links = await connectLinkPair();
    const raw = await connectRawPair();
    const payload = new Uint8Array(64).fill(7);
    const ours: number[] = [];
    const base: number[] = [];
    links.b.state.onMessage(({ payload: p }) => links.b.state.send(p));
    raw.b.state.addEventListener('message', (e) => raw.b.state.send((e as MessageEvent<ArrayBuffer>).data));
    let resolveOurs: () => void = () => undefined;
    links.a.state.onMessage(() => resolveOurs());
    const pingOurs = () =>
      new Promise<void>((resolve) => {
        resolveOurs = resolve;
        links.a.state.send(payload);
      });
    const pingRaw = () =>
      new Promise<void>((resolve) => {
        raw.a.state.addEventListener('message', () => resolve(), { once: true });
        raw.a.state.send(payload);
      });
    const block = (into: number[] | null, ping: () => Promise<void>) => async () => {
      for (let i = 0; i < 200; i++) {
        const t0 = performance.now();
        await ping();
        into?.push((performance.now() - t0) * 1000);
      }
    };
    // Warm-up: the first half second after open carries JIT compilation (ms outliers on both).
    await alternate(6, block(null, pingOurs), block(null, pingRaw));
    await alternate(10, block(ours, pingOurs), block(base, pingRaw));
    links.close();
    raw.close();
    const oursP50 = percentile(ours, 50);
    const rawP50 = percentile(base, 50);
    return {
      ours_us_p50: round(oursP50, 1),
      ours_us_p99: round(percentile(ours, 99), 1),
      raw_us_p50: round(rawP50, 1),
      raw_us_p99: round(percentile(base, 99), 1),
      ratio_p50: round(oursP50 / rawP50),
    };
  },
};

const HIGH_WATER = 64 * 1024;
const LOW_WATER = 16 * 1024;

/**
 * Sends as fast as `bufferedAmount` allows for `ms`: checks it before every send, and when it is
 * at the high-water mark waits for the drain signal (or 50 ms, whichever comes first).
 */
async function floodFor(ms: number, buffered: () => number, highWater: number, send: () => void, drained: () => Promise<void>) {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (let i = 0; buffered() < highWater; i++) {
      send();
      if (i % 256 === 0 && performance.now() >= end) return;
    }
    await Promise.race([drained(), sleep(50)]);
  }
}

const throughput: Scenario = {
  name: 'link.throughput',
  description: 'state lane, 100 B payloads, 3 s each (6 turns), sender respects bufferedAmount',
  async run() {
    const links = await connectLinkPair();
    const raw = await connectRawPair();
    raw.a.state.bufferedAmountLowThreshold = LOW_WATER;
    const payload = new Uint8Array(100).fill(1);
    let oursReceived = 0;
    let rawReceived = 0;
    let oursWireBytes = 0;
    links.b.state.onMessage(() => oursReceived++);
    raw.b.state.addEventListener('message', () => {
      if (!fresh) rawReceived++;
    });
    let oursMs = 0;
    let rawMs = 0;
    const drainOurs = () => new Promise<void>((resolve) => links.a.once('drain', () => resolve()));
    const runOurs = async () => {
      const bytesBefore = links.a.stats().state.bytesOut;
      const messagesBefore = links.a.stats().state.messagesOut;
      const t0 = performance.now();
      await floodFor(500, () => links.a.state.bufferedAmount, HIGH_WATER, () => links.a.state.send(payload), drainOurs);
      await sleep(200); // let the tail arrive
      oursMs += performance.now() - t0 - 200;
      const s = links.a.stats().state;
      oursWireBytes = (s.bytesOut - bytesBefore) / (s.messagesOut - messagesBefore);
    };
    // The baseline re-sends one buffer object; a real sender builds a new message each time. The
    // "fresh" variant sends a new copy per message, to show what that alone costs.
    let rawFreshReceived = 0;
    let rawFreshMs = 0;
    let fresh = false;
    raw.b.state.addEventListener('message', () => {
      if (fresh) rawFreshReceived++;
    });
    const runRaw = (copy: boolean) => async () => {
      fresh = copy;
      const t0 = performance.now();
      const send = copy ? () => raw.a.state.send(payload.slice()) : () => raw.a.state.send(payload);
      await floodFor(500, () => raw.a.state.bufferedAmount, HIGH_WATER, send, () => next(raw.a.state, 'bufferedamountlow'));
      await sleep(200);
      if (copy) rawFreshMs += performance.now() - t0 - 200;
      else rawMs += performance.now() - t0 - 200;
    };
    await alternate(6, runOurs, async () => {
      await runRaw(false)();
      await runRaw(true)();
    });
    links.close();
    raw.close();
    const oursRate = oursReceived / (oursMs / 1000);
    const rawRate = rawReceived / (rawMs / 1000);
    const rawFreshRate = rawFreshReceived / (rawFreshMs / 1000);
    return {
      ours_msgs_per_s: Math.round(oursRate),
      raw_msgs_per_s: Math.round(rawRate),
      ratio: round(oursRate / rawRate),
      raw_fresh_msgs_per_s: Math.round(rawFreshRate),
      ratio_vs_fresh: round(oursRate / rawFreshRate),
      ours_wire_bytes_per_msg: round(oursWireBytes, 1),
      raw_wire_bytes_per_msg: payload.byteLength,
    };
  },
};

const EVENTS_HIGH_WATER = 1024 * 1024;

const eventsThroughput: Scenario = {
  name: 'link.events_throughput',
  description: 'events lane, 64 KiB payloads, 3 s each, sender respects bufferedAmount',
  async run() {
    const links = await connectLinkPair();
    const raw = await connectRawPair();
    raw.a.events.bufferedAmountLowThreshold = EVENTS_HIGH_WATER / 4;
    const payload = new Uint8Array(64 * 1024).fill(3);
    let oursBytes = 0;
    let rawBytes = 0;
    links.b.events.on('blob', (blob) => (oursBytes += blob.byteLength));
    raw.b.events.addEventListener('message', (e) => (rawBytes += (e as MessageEvent<ArrayBuffer>).data.byteLength));
    let oursMs = 0;
    let rawMs = 0;
    const runOurs = async () => {
      const t0 = performance.now();
      await floodFor(
        1500,
        () => links.a.events.bufferedAmount,
        EVENTS_HIGH_WATER,
        () => links.a.events.emit('blob', payload),
        () => new Promise<void>((resolve) => links.a.once('drain', () => resolve())),
      );
      await drainedOurs(links);
      oursMs += performance.now() - t0;
    };
    const runRaw = async () => {
      const t0 = performance.now();
      await floodFor(1500, () => raw.a.events.bufferedAmount, EVENTS_HIGH_WATER, () => raw.a.events.send(payload), () =>
        next(raw.a.events, 'bufferedamountlow'),
      );
      await drainedRaw(raw);
      rawMs += performance.now() - t0;
    };
    await alternate(2, runOurs, runRaw);
    links.close();
    raw.close();
    const ours = oursBytes / 1e6 / (oursMs / 1000);
    const base = rawBytes / 1e6 / (rawMs / 1000);
    return { ours_mb_per_s: round(ours, 1), raw_mb_per_s: round(base, 1), ratio: round(ours / base) };
  },
};

const BURST_BYTES = 40 << 20;

/**
 * The RTT a link reports once a bulk burst has passed, against its quiet RTT: heartbeats that
 * waited behind the burst are left out (state-lane.ts), so the two should be alike. The baseline is
 * what an unfiltered heartbeat reads: the bare pair's state-channel ping-pong, quiet and while the
 * same burst is on its way. Both sides send 40 MiB (ours: 5 MiB events; bare: 64 KiB messages).
 */
const rttBurst: Scenario = {
  name: 'link.rtt_burst',
  description: 'reported RTT 300 ms after a 40 MiB burst each way vs quiet (ours); bare ping-pong during the burst vs quiet; 3 rounds',
  async run() {
    const oursQuiet: number[] = [];
    const oursAfter: number[] = [];
    let oursSkipped = 0;
    const rawQuiet: number[] = [];
    const rawDuring: number[] = [];
    const runOurs = async () => {
      const links = await connectLinkPair({ heartbeatIntervalMs: 100 });
      const { a, b } = links;
      const rtt = () => Math.max(a.stats().rttMs ?? 0, b.stats().rttMs ?? 0);
      await sleep(1000);
      oursQuiet.push(rtt());
      let arrived = 0;
      a.events.on('blob', () => arrived++);
      b.events.on('blob', () => arrived++);
      for (let i = 0; i < BURST_BYTES / (5 << 20); i++) {
        a.events.emit('blob', new Uint8Array(5 << 20));
        b.events.emit('blob', new Uint8Array(5 << 20));
      }
      while (arrived < (2 * BURST_BYTES) / (5 << 20)) await sleep(10);
      await sleep(300); // three heartbeats
      oursAfter.push(rtt());
      oursSkipped += a.stats().rttSamplesSkipped + b.stats().rttSamplesSkipped;
      links.close();
    };
    const runRaw = async () => {
      const raw = await connectRawPair();
      raw.b.state.addEventListener('message', (e) => raw.b.state.send((e as MessageEvent<ArrayBuffer>).data));
      let into = rawQuiet;
      raw.a.state.addEventListener('message', (e) => into.push(performance.now() - new Float64Array((e as MessageEvent<ArrayBuffer>).data)[0]!));
      // As bytes: the polyfill would turn a Float64Array into one byte per element.
      const ping = () => raw.a.state.send(new Uint8Array(new Float64Array([performance.now()]).buffer));
      for (let i = 0; i < 10; i++, await sleep(100)) ping();
      into = rawDuring;
      let arrivedBytes = 0;
      for (const side of [raw.a, raw.b]) side.events.addEventListener('message', (e) => (arrivedBytes += (e as MessageEvent<ArrayBuffer>).data.byteLength));
      const chunk = new Uint8Array(64 * 1024);
      for (let i = 0; i < BURST_BYTES / chunk.byteLength; i++) {
        raw.a.events.send(chunk);
        raw.b.events.send(chunk);
      }
      while (arrivedBytes < 2 * BURST_BYTES) {
        ping();
        await sleep(100);
      }
      raw.close();
    };
    await alternate(3, runOurs, runRaw);
    const quiet = percentile(oursQuiet, 50);
    const after = percentile(oursAfter, 50);
    const bareQuiet = percentile(rawQuiet, 50);
    const bareDuring = percentile(rawDuring, 50);
    return {
      ours_quiet_ms: round(quiet, 2),
      ours_after_ms: round(after, 2),
      ours_after_worst_ms: round(Math.max(...oursAfter), 2),
      ratio_after_vs_quiet: round(after / quiet),
      ours_heartbeats_left_out: oursSkipped,
      raw_quiet_ms_p50: round(bareQuiet, 2),
      raw_during_ms_p50: round(bareDuring, 2),
      raw_ratio_during_vs_quiet: round(bareDuring / bareQuiet),
    };
  },
};

/** Waits until everything sent has left the sender (reliable lane: it will all arrive). */
async function drainedOurs(links: LinkPair): Promise<void> {
  while (links.a.events.bufferedAmount > 0) await sleep(1);
}

async function drainedRaw(raw: RawPair): Promise<void> {
  while (raw.a.events.bufferedAmount > 0) await sleep(1);
}

export const linkScenarios: Scenario[] = [connect, rtt, rttBurst, throughput, eventsThroughput];
