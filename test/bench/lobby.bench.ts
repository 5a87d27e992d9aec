/**
 * Lobby benchmarks against the real server in its own process:
 * - lobby.connect: create + join by code until both links are open, beside two bare
 *   node-datachannel connections signaling through a bare ws relay (our cost only);
 * - lobby.scale: 10,000 clients in 5,000 rooms on one process, connected, idle, then relaying
 *   signals, from a separate load process, beside a bare `ws` relay (the usual hand-rolled
 *   signaling server) under the same load;
 * - lobby.cluster: the same kind of load on three processes on Redis, against one process.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createLobby, type RoomSession } from '@rallypoint/lobby/node';
import { bundleForNode } from '../../scripts/bundle-node.mjs';
import { startCluster } from '../helpers/cluster.js';
import { startServer } from '../helpers/lobby-server.js';
import { repoRoot } from '../helpers/repo.js';
import { alternate, percentile, round, sleep, type Metrics, type Scenario } from './harness.js';
import { connectRawPairOverRelay } from './raw.js';
import type { LoadResult } from './lobby-load.js';

const benchDir = () => join(repoRoot(), 'test/bench');

/** Where a lobby connect's time goes: A's create, B's join, then both links open. */
interface JoinPhases {
  createMs: number;
  joinMs: number;
  linkMs: number;
}

async function connectThroughLobby(url: string, phases?: JoinPhases[]): Promise<{ close(): Promise<void> }> {
  const lobby = createLobby({ url });
  const t0 = performance.now();
  const a = await lobby.create({ name: 'a' });
  const t1 = performance.now();
  const b = await lobby.join(a.code, { name: 'b' });
  const t2 = performance.now();
  const open = (s: RoomSession, peer: string) =>
    new Promise<void>((resolve) => {
      if (s.links.get(peer)?.status === 'open') return resolve();
      const off = s.on('linkOpen', ({ peerId }) => peerId === peer && (off(), resolve()));
    });
  await Promise.all([open(a, b.me.id), open(b, a.me.id)]);
  phases?.push({ createMs: t1 - t0, joinMs: t2 - t1, linkMs: performance.now() - t2 });
  return { close: async () => void (await Promise.all([a.leave(), b.leave()])) };
}

/** The bare ws relay (ws-relay.ts) in a process of its own, as lobby.scale runs it. */
async function startRelay(): Promise<{ url: string; pid: number; stop(): void }> {
  const relayFile = await bundleForNode(join(benchDir(), 'ws-relay.ts'), 'ws-relay');
  const relay = spawn(process.execPath, [relayFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => relay.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
  return { url: `ws://127.0.0.1:${port}`, pid: relay.pid!, stop: () => relay.kill() };
}

/** Per-address limits off: the load comes from one address. */
const LOAD_FLAGS = ['--connections-per-address', '0', '--matchmake-per-address', '0', '--creates-per-address', '0'];

const CONNECT_RUNS = 60;
/** A connect this much slower than the median waited on a timer (DTLS retransmits after 1 s). */
const LATE_MS = 500;

const connect: Scenario = {
  name: 'lobby.connect',
  description: `create, join by code → both links open, ${CONNECT_RUNS} runs; raw = two bare node-datachannel peers signaling through a bare ws relay`,
  async run() {
    // 64 rooms from one address in a minute: past the default per-address limits, which are not
    // what this measures (the limits have lobby.hostile).
    const server = await startServer(LOAD_FLAGS, {}, 'info');
    const relay = await startRelay();
    try {
      const ours: number[] = [];
      const raw: number[] = [];
      let room = 0;
      const time = async (into: number[], open: () => Promise<{ close(): unknown }>) => {
        const t0 = performance.now();
        const pair = await open();
        into.push(performance.now() - t0);
        await pair.close();
        await sleep(20);
      };
      const phases: JoinPhases[] = [];
      const viaRelay = () => connectRawPairOverRelay(relay.url, `r${room++}`);
      await alternate(4, () => time([], () => connectThroughLobby(server.url)), () => time([], viaRelay)); // warm-up
      await alternate(CONNECT_RUNS, () => time(ours, () => connectThroughLobby(server.url, phases)), () => time(raw, viaRelay));
      const phase = (pick: (p: JoinPhases) => number) => round(percentile(phases.map(pick), 50), 1);
      const p50 = percentile(ours, 50);
      const rawP50 = percentile(raw, 50);
      return {
        ours_ms_p50: round(p50),
        ours_ms_p90: round(percentile(ours, 90)),
        ours_ms_p99: round(percentile(ours, 99)),
        ours_over_500ms: ours.filter((ms) => ms > LATE_MS).length,
        create_ms_p50: phase((p) => p.createMs),
        join_ms_p50: phase((p) => p.joinMs),
        link_open_ms_p50: phase((p) => p.linkMs),
        raw_ms_p50: round(rawP50),
        raw_ms_p90: round(percentile(raw, 90)),
        raw_ms_p99: round(percentile(raw, 99)),
        raw_over_500ms: raw.filter((ms) => ms > LATE_MS).length,
        ratio: round(p50 / rawP50),
        ratio_p90: round(percentile(ours, 90) / percentile(raw, 90)),
      };
    } finally {
      relay.stop();
      await server.stop();
    }
  },
};

/** A process's CPU seconds so far and resident memory, from /proc (Linux). */
function procSample(pid: number): { cpuSeconds: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces, inside parentheses): utime is 14th, stime 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { cpuSeconds: ticks / CLOCK_TICKS, rssMb: rssKb / 1024 };
}
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** What the servers did during each phase of a load run: CPU as % of one core (summed over processes), memory at the end. */
interface ServerSide {
  idleCpuPct: number;
  signalCpuPct: number;
  rssMb: number;
  /** Event-loop delay over the signaling phase (worst process), ms; NaN without metrics. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/** An event-loop delay gauge of prom-client's (reset at each scrape), in ms, from /metrics text. */
function loopDelayMs(text: string, which: 'p99' | 'max'): number {
  return Number(new RegExp(`^rallypoint_nodejs_eventloop_lag_${which}_seconds (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) * 1000;
}

/**
 * Run the load process against `urls` (entry points, used in turn) and sample the server
 * processes `pids` at its phases: connected and idle, signaling, and the memory at the end.
 */
async function runLoad(mode: 'lobby' | 'ws', urls: string[], rooms: number, pids: number[], metricsUrls: string[] = []): Promise<LoadResult & ServerSide> {
  const file = await bundleForNode(join(benchDir(), 'lobby-load.ts'), 'lobby-load');
  const child = spawn(process.execPath, ['--max-old-space-size=4096', file, mode, urls.join(','), String(rooms)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const sample = () => {
    const samples = pids.map(procSample);
    return { at: performance.now(), cpu: samples.reduce((sum, x) => sum + x.cpuSeconds, 0), rss: samples.reduce((sum, x) => sum + x.rssMb, 0) };
  };
  const marks: Record<string, ReturnType<typeof sample>> = {};
  const scrape = () => Promise.all(metricsUrls.map(async (url) => (await fetch(`${url}/metrics`)).text()));
  // A scrape when signaling starts resets the servers' delay histograms; the one at its end reads them.
  let signalingScrape: Promise<string[]> = Promise.resolve([]);
  let last = '';
  createInterface({ input: child.stdout }).on('line', (line) => {
    const phase = /^\{"phase":"(\w+)"\}$/.exec(line)?.[1];
    if (phase === undefined) return void (last = line);
    marks[phase] = sample();
    if (phase === 'idle') void scrape();
    if (phase === 'signaled') signalingScrape = scrape();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`load process exited with ${code}: ${last}`);
  const { joined, idle, signaled } = marks;
  if (joined === undefined || idle === undefined || signaled === undefined) throw new Error(`load process skipped a phase: ${Object.keys(marks).join(', ')}`);
  const pct = (from: typeof joined, to: typeof joined) => ((to.cpu - from.cpu) / ((to.at - from.at) / 1000)) * 100;
  const texts = await signalingScrape;
  const worst = (which: 'p99' | 'max') => (texts.length === 0 ? NaN : Math.max(...texts.map((t) => loopDelayMs(t, which))));
  return { ...(JSON.parse(last) as LoadResult), idleCpuPct: pct(joined, idle), signalCpuPct: pct(idle, signaled), rssMb: signaled.rss, loopDelayP99Ms: worst('p99'), loopDelayMaxMs: worst('max') };
}

/** Every load client comes from one address (as through a reverse proxy): no per-address limits. */

const ROOMS = 5000;

const scale: Scenario = {
  name: 'lobby.scale',
  description: `${ROOMS * 2} clients in ${ROOMS} rooms on one process: joined, 5 s idle, then 20 signals a pair (~500 pairs at a time), from a load process; baseline: bare ws relay`,
  async run() {
    const server = await startServer(LOAD_FLAGS, {}, 'warn');
    let ours: LoadResult & ServerSide;
    try {
      ours = await runLoad('lobby', [server.url], ROOMS, [server.child.pid!], [server.url]);
    } finally {
      await server.stop();
    }
    const relay = await startRelay();
    let base: LoadResult & ServerSide;
    try {
      base = await runLoad('ws', [relay.url], ROOMS, [relay.pid]);
    } finally {
      relay.stop();
    }
    const metrics: Metrics = {
      clients: ours.clients,
      join_failures: ours.joinFailures,
      join_p50_ms: round(ours.joinP50),
      join_p99_ms: round(ours.joinP99),
      joins_per_second: round(ours.joinsPerSecond),
      signal_p50_ms: round(ours.signalP50),
      signal_p99_ms: round(ours.signalP99),
      signals_delivered: ours.signalsDelivered,
      server_rss_mb: round(ours.rssMb, 1),
      server_cpu_idle_pct: round(ours.idleCpuPct, 1),
      server_cpu_signal_pct: round(ours.signalCpuPct, 1),
      server_loop_delay_p99_ms: round(ours.loopDelayP99Ms),
      server_loop_delay_max_ms: round(ours.loopDelayMaxMs),
      load_cpu_pct: round(ours.cpuPct, 1),
      load_loop_delay_p99_ms: round(ours.loadLoopDelayP99Ms),
      load_loop_delay_max_ms: round(ours.loadLoopDelayMaxMs),
      baseline_clients: base.clients,
      baseline_signal_p50_ms: round(base.signalP50),
      baseline_signal_p99_ms: round(base.signalP99),
      baseline_rss_mb: round(base.rssMb, 1),
      baseline_cpu_idle_pct: round(base.idleCpuPct, 1),
      baseline_cpu_signal_pct: round(base.signalCpuPct, 1),
      baseline_load_loop_delay_p99_ms: round(base.loadLoopDelayP99Ms),
      baseline_load_loop_delay_max_ms: round(base.loadLoopDelayMaxMs),
      signal_ratio: round(ours.signalP99 / base.signalP99),
    };
    return metrics;
  },
};

const CLUSTER_ROOMS = 1000;
const REFORM_TRIES = 3;

/**
 * From a process's end (SIGKILL or SIGTERM) to both members of a linked room back in it, re-formed
 * on another process, in ms; one fresh 3-process cluster per try.
 */
async function reformMs(signal: 'SIGKILL' | 'SIGTERM'): Promise<number> {
  const three = await startCluster(3, [], 'info');
  try {
    const lobby = createLobby({ url: three.front.url });
    const a = await lobby.create({ name: 'a' });
    const b = await lobby.join(a.code, { name: 'b' });
    const holder = await three.holderOf(a.code);
    const back = Promise.all([a, b].map((s) => new Promise<void>((resolve) => { const off = s.on('lobbyReconnected', () => (off(), resolve())); })));
    const t0 = performance.now();
    const stopped = holder.stop(signal);
    three.front.setBackends(three.processes.filter((p) => p !== holder).map((p) => p.url));
    await back;
    const ms = performance.now() - t0;
    await stopped;
    await Promise.all([a.leave(), b.leave()]);
    return ms;
  } finally {
    await three.stop();
  }
}

const cluster: Scenario = {
  name: 'lobby.cluster',
  description: `${CLUSTER_ROOMS * 2} clients in ${CLUSTER_ROOMS} rooms, the lobby.scale load: 3 processes on Redis (matchmaking through each in turn) vs 1 process in memory; and a room re-forming after its process is killed or drained (${REFORM_TRIES} tries each)`,
  async run() {
    const single = await startServer(LOAD_FLAGS, {}, 'warn');
    let one: LoadResult & ServerSide;
    try {
      one = await runLoad('lobby', [single.url], CLUSTER_ROOMS, [single.child.pid!], [single.url]);
    } finally {
      await single.stop();
    }
    const three = await startCluster(3, LOAD_FLAGS, 'warn');
    let many: LoadResult & ServerSide;
    try {
      const urls = three.processes.map((p) => p.url);
      many = await runLoad('lobby', urls, CLUSTER_ROOMS, [...three.processes.map((p) => p.child.pid!), three.redis.pid], urls);
    } finally {
      await three.stop();
    }
    const killed: number[] = [];
    const drained: number[] = [];
    for (let i = 0; i < REFORM_TRIES; i += 1) {
      killed.push(await reformMs('SIGKILL'));
      drained.push(await reformMs('SIGTERM'));
    }
    return {
      reform_after_kill_ms_p50: round(percentile(killed, 50)),
      reform_after_kill_ms_max: round(Math.max(...killed)),
      reform_after_drain_ms_p50: round(percentile(drained, 50)),
      reform_after_drain_ms_max: round(Math.max(...drained)),
      clients: many.clients,
      join_failures: many.joinFailures,
      cluster_join_p99_ms: round(many.joinP99),
      cluster_signal_p99_ms: round(many.signalP99),
      cluster_joins_per_second: round(many.joinsPerSecond),
      cluster_cpu_signal_pct: round(many.signalCpuPct, 1),
      single_join_p99_ms: round(one.joinP99),
      single_signal_p99_ms: round(one.signalP99),
      single_joins_per_second: round(one.joinsPerSecond),
      single_cpu_signal_pct: round(one.signalCpuPct, 1),
      join_p99_ratio: round(many.joinP99 / one.joinP99),
      signal_p99_ratio: round(many.signalP99 / one.signalP99),
      joins_per_second_ratio: round(many.joinsPerSecond / one.joinsPerSecond),
    };
  },
};

export const lobbyScenarios = [connect, scale, cluster];
