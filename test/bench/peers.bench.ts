/**
 * peers.*: rallypoint side by side with the libraries a game developer would pick instead, on
 * the same scripted work in headless Chromium, in one run (see peers/world.ts for the setting):
 * simple-peer used directly (signaled through socket.io), PeerJS with its own server, a socket.io
 * relay, all page ↔ page beside ours page ↔ page through our lobby; and geckos.io, page ↔ its Node
 * server, beside ours page ↔ a Node player through our lobby (`ours_node`).
 *
 * Each figure is `<library>_<metric>`, and `ratio_<metric>_vs_<library>` is ours / theirs
 * (ours_node / geckos for geckos.io): under 1 is ours ahead for times, bytes and CPU; over 1 is
 * ours ahead for rates. scripts/compare-table.mjs turns a --json run into the README's table.
 */
import { pageKib } from './bundle.bench.js';
import { percentile, round, sleep, type Metrics, type Scenario } from './harness.js';
import { LIBRARIES, RIVALS, counted, openWorld, ping, watch, type Library, type Pair, type World, type WorldOptions } from './peers/world.js';

async function inWorld(fn: (world: World) => Promise<Metrics>, options: WorldOptions = {}): Promise<Metrics> {
  const world = await openWorld(options);
  try {
    return await fn(world);
  } finally {
    await world.close();
  }
}

/** Each library's figure, and ours / theirs for each rival. */
function compare(metrics: Metrics, name: string, values: Record<Library, number>, digits = 3): void {
  for (const library of LIBRARIES) metrics[`${library}_${name}`] = round(values[library], digits);
  for (const [rival, { ours, theirs }] of Object.entries(RIVALS)) metrics[`ratio_${name}_vs_${rival}`] = round(values[ours] / values[theirs], 3);
}

/** Runs `fn` on one pair of each library at a time (so nothing else is on the wire), closing each after. */
async function eachAlone<T>(world: World, mode: 'unreliable' | 'default', fn: (pair: Pair) => Promise<T>): Promise<Record<Library, T>> {
  const out = {} as Record<Library, T>;
  for (const library of LIBRARIES) {
    const pair = await world.pair(library, mode);
    try {
      out[library] = await fn(pair);
    } finally {
      await pair.close();
    }
  }
  return out;
}

/**
 * Runs `fn` `rounds` times for each library, each time on a new pair alone on the wire (a blast
 * can leave a connection congested, or geckos.io's closed, for the next), in a rotated order
 * each round, and keeps each library's median.
 */
async function medianOfRounds(world: World, mode: 'unreliable' | 'default', rounds: number, fn: (pair: Pair) => Promise<number>): Promise<Record<Library, number>> {
  const samples = byLibrary({} as Record<Library, never>, () => [] as number[]);
  for (let pass = 0; pass < rounds; pass++) {
    for (let i = 0; i < LIBRARIES.length; i++) {
      const pair = await world.pair(LIBRARIES[(i + pass) % LIBRARIES.length]!, mode);
      try {
        samples[pair.library].push(await fn(pair));
      } finally {
        await pair.close();
      }
    }
  }
  return byLibrary(samples, (s) => percentile(s, 50));
}

const byLibrary = <T, U>(values: Record<Library, T>, fn: (value: T, library: Library) => U): Record<Library, U> =>
  Object.fromEntries(LIBRARIES.map((library) => [library, fn(values[library], library)])) as Record<Library, U>;

const CONNECT_ROUNDS = 12;

const connect: Scenario = {
  name: 'peers.connect',
  description: `page load to both ends able to send, and to the first message delivered, each library's own signaling (ours through the lobby, opening on its relay), ${CONNECT_ROUNDS} rounds each, interleaved`,
  run: () =>
    inWorld(async (world) => {
      const samples = byLibrary({} as Record<Library, never>, () => [] as number[]);
      const firstMessages = byLibrary({} as Record<Library, never>, () => [] as number[]);
      const marks = byLibrary({} as Record<Library, never>, () => new Map<string, number[]>());
      // One round each first, uncounted: the first page of a browser pays for its own start-up.
      for (let pass = -1; pass < CONNECT_ROUNDS; pass++) {
        const order = LIBRARIES.map((_, i) => LIBRARIES[(i + Math.max(pass, 0)) % LIBRARIES.length]!);
        for (const library of order) {
          const pair = await world.pair(library, 'unreliable');
          await pair.close();
          if (pass < 0) continue;
          samples[library].push(pair.connectMs);
          firstMessages[library].push(pair.firstMessageMs);
          for (const [step, at] of Object.entries(pair.marks)) marks[library].set(step, [...(marks[library].get(step) ?? []), at]);
        }
      }
      const metrics: Metrics = {};
      compare(metrics, 'ms_p50', byLibrary(samples, (s) => percentile(s, 50)), 1);
      compare(metrics, 'ms_p99', byLibrary(samples, (s) => percentile(s, 99)), 1);
      // The first message a game sends, the moment it can, delivered; a pair where none arrived
      // counts as never (Infinity), not as left out.
      compare(metrics, 'first_message_ms_p50', byLibrary(firstMessages, (s) => percentile(s.map((ms) => (Number.isNaN(ms) ? Infinity : ms)), 50)), 1);
      // Page load: from navigation to page a's script running (what its weight costs), against each.
      compare(metrics, 'script_ready_ms_p50', byLibrary(marks, (steps) => percentile(steps.get('a.loaded') ?? steps.get('loaded') ?? [], 50)), 1);
      // Where the time goes: the median moment each page reached each step.
      for (const library of LIBRARIES) for (const [step, at] of marks[library]) metrics[`${library}_at_${step.replace(/\W+/g, '_')}_ms_p50`] = round(percentile(at, 50), 1);
      return metrics;
    }),
};

const RTT_BLOCKS = 6;
const RTT_BLOCK = 100;

const rtt: Scenario = {
  name: 'peers.rtt',
  description: `64 B ping-pong on each library's unreliable lane (its default where it has none), ${RTT_BLOCKS * RTT_BLOCK} each, in interleaved blocks`,
  run: () =>
    inWorld(async (world) => {
      const pairs: Pair[] = [];
      try {
        for (const library of LIBRARIES) pairs.push(await world.pair(library, 'unreliable'));
        for (const pair of pairs) {
          await pair.b.call({ method: 'echo', args: [true] });
          await ping(pair.a, 50, 64); // warm-up
        }
        const samples = byLibrary({} as Record<Library, never>, () => [] as number[]);
        for (let block = 0; block < RTT_BLOCKS; block++) {
          for (let i = 0; i < pairs.length; i++) {
            const pair = pairs[(i + block) % pairs.length]!;
            samples[pair.library].push(...(await ping(pair.a, RTT_BLOCK, 64)));
          }
        }
        const metrics: Metrics = {};
        compare(metrics, 'ms_p50', byLibrary(samples, (s) => percentile(s, 50)));
        compare(metrics, 'ms_p99', byLibrary(samples, (s) => percentile(s, 99)));
        return metrics;
      } finally {
        await Promise.all(pairs.map((p) => p.close()));
      }
    }),
};

const BLAST_MS = 3000;
/** Rounds of the throughput and CPU runs, each library's median kept. */
const ROUNDS = 3;

/** Counts at `end` until nothing more arrives (a 200 ms quiet spell); the ms is at the last arrival seen. */
async function settled(pair: Pair, field: 'stateBytes' | 'eventBytes'): Promise<{ bytes: number; messages: number; ms: number }> {
  let last = await counted(pair.b);
  for (let quiet = 0; quiet < 2; ) {
    await sleep(100);
    const now = await counted(pair.b);
    if (now[field] === last[field]) quiet++;
    else [quiet, last] = [0, now];
  }
  return { bytes: last[field], messages: field === 'stateBytes' ? last.stateMessages : last.eventMessages, ms: last.ms };
}

const throughput: Scenario = {
  name: 'peers.throughput',
  description: `${BLAST_MS / 1000} s of 100 B state messages as fast as each library's buffer allows (received/s), and of 64 KiB reliable messages (MB/s); median of ${ROUNDS} rounds`,
  run: () =>
    inWorld(async (world) => {
      const small = await medianOfRounds(world, 'unreliable', ROUNDS, async (pair) => {
        await pair.b.call({ method: 'count', args: [] });
        await pair.a.call({ method: 'blast', args: ['state', 100, BLAST_MS] });
        const got = await settled(pair, 'stateBytes');
        return got.messages / (BLAST_MS / 1000);
      });
      // geckos.io has no reliable lane for bulk data (its `reliable` sends each message 10 times
      // as JSON): its 64 KiB figure is its raw channel, unordered and unretransmitted.
      const bulk = await medianOfRounds(world, 'default', ROUNDS, async (pair) => {
        const lane = pair.library === 'geckos' ? 'state' : 'events';
        await pair.b.call({ method: 'count', args: [] });
        await pair.a.call({ method: 'blast', args: [lane, 64 * 1024, BLAST_MS] });
        const got = await settled(pair, lane === 'state' ? 'stateBytes' : 'eventBytes');
        return got.bytes / 1e6 / (got.ms / 1000);
      });
      const metrics: Metrics = {};
      compare(metrics, 'state_msgs_per_s', small, 0);
      compare(metrics, 'reliable_64k_mb_per_s', bulk, 2);
      return metrics;
    }),
};

const LOSS_PERCENT = 5;
const DELAY_MS = 50;
const STREAM_MS = 10_000;
const EVENT_HZ = 20;

const loss: Scenario = {
  name: 'peers.loss',
  description: `${LOSS_PERCENT}% loss and ${DELAY_MS} ms delay each way between the ends (user-space router): 60 Hz 100 B state and ${EVENT_HZ} Hz events for ${STREAM_MS / 1000} s, state age and event latency at the receiver`,
  run: () =>
    inWorld(async (world) => {
      const pairs: Pair[] = [];
      try {
        for (const library of LIBRARIES) pairs.push(await world.pair(library, 'default'));
        world.impair({ delayMs: DELAY_MS, lossPercent: LOSS_PERCENT });
        const seen = {} as Record<Library, Awaited<ReturnType<typeof watch>>>;
        for (const pair of pairs) {
          const [freshness] = await Promise.all([watch(pair.b, STREAM_MS, 1000), pair.a.call({ method: 'stream', args: [60, 100, EVENT_HZ, STREAM_MS] })]);
          seen[pair.library] = freshness;
        }
        const metrics: Metrics = {};
        compare(metrics, 'state_age_ms_p50', byLibrary(seen, (f) => percentile(f.stateAgeMs, 50)), 1);
        compare(metrics, 'state_age_ms_p99', byLibrary(seen, (f) => percentile(f.stateAgeMs, 99)), 1);
        compare(metrics, 'event_ms_p50', byLibrary(seen, (f) => percentile(f.eventLatencyMs, 50)), 1);
        compare(metrics, 'event_ms_p99', byLibrary(seen, (f) => percentile(f.eventLatencyMs, 99)), 1);
        // Every event should arrive on a reliable lane (within a second of the last sent): what share did.
        for (const library of LIBRARIES) metrics[`${library}_events_delivered`] = round(seen[library].eventsReceived / Math.floor((STREAM_MS / 1000) * EVENT_HZ), 3);
        return metrics;
      } finally {
        world.impair({ delayMs: 0, lossPercent: 0 });
        await Promise.all(pairs.map((p) => p.close()));
      }
    }, { impaired: true }),
};

const PACE_MS = 5000;

const bytes: Scenario = {
  name: 'peers.bytes',
  description: `IP bytes on the wire (both directions, per hop) per 100 B state message at 60 Hz for ${PACE_MS / 1000} s, and min+gzip KiB of a page using each`,
  run: () =>
    inWorld(async (world) => {
      const perMessage = await eachAlone(world, 'unreliable', async (pair) => {
        await sleep(500);
        const before = world.wireBytes();
        const sent = (await pair.a.call({ method: 'pace', args: [60, 100, PACE_MS] })) as number;
        await sleep(200);
        const after = world.wireBytes();
        // The relay carries each message twice (sender to server, server to receiver): per hop.
        return pair.library === 'socketio' ? (after.relayTcp - before.relayTcp) / 2 / sent : (after.udp - before.udp) / sent;
      });
      const kib = await pageKib();
      // What the page ships: simple-peer needs a signaling client (socket.io-client here).
      const bundle: Record<Library, number> = {
        ours: kib.ours_lobby!,
        ours_node: kib.ours_lobby!,
        simple_peer: kib.simple_peer! + kib.socketio_client!,
        peerjs: kib.peerjs!,
        socketio: kib.socketio_client!,
        geckos: kib.geckos_client!,
      };
      const metrics: Metrics = {};
      compare(metrics, 'wire_bytes_per_msg', perMessage, 1);
      compare(metrics, 'bundle_kib', bundle, 1);
      return metrics;
    }),
};

const CPU_RATE = 2000;

const cpu: Scenario = {
  name: 'peers.cpu',
  description: `CPU of the sending browser (all its processes) per 1,000 100 B state messages sent at ${CPU_RATE}/s for ${PACE_MS / 1000} s, idle CPU subtracted; median of ${ROUNDS} rounds`,
  run: () =>
    inWorld(async (world) => {
      const perThousand = await medianOfRounds(world, 'unreliable', ROUNDS, async (pair) => {
        await sleep(500);
        const idle0 = world.senderCpuMs();
        await sleep(2000);
        const idlePerMs = (world.senderCpuMs() - idle0) / 2000;
        const t0 = performance.now();
        const c0 = world.senderCpuMs();
        const sent = (await pair.a.call({ method: 'pace', args: [CPU_RATE, 100, PACE_MS] })) as number;
        const busy = world.senderCpuMs() - c0 - idlePerMs * (performance.now() - t0);
        return (busy / sent) * 1000;
      });
      const metrics: Metrics = {};
      compare(metrics, 'cpu_ms_per_1000', perThousand, 2);
      return metrics;
    }),
};

export const peersScenarios: Scenario[] = [connect, rtt, throughput, loss, bytes, cpu];
