/**
 * Lobby benchmarks against the real server in its own process:
 * - lobby.connect: create + join by code until both links are open, beside two bare
 *   node-datachannel connections signaling through a bare ws relay (our cost only);
 * - lobby.scale: 1,000 clients in 500 rooms relaying signals, from a separate load process, beside
 *   a bare `ws` relay (the usual hand-rolled signaling server) under the same load.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createLobby, type RoomSession } from '@rallypoint/lobby/node';
import { bundleForNode } from '../../scripts/bundle-node.mjs';
import { startServer } from '../helpers/lobby-server.js';
import { repoRoot } from '../helpers/repo.js';
import { alternate, percentile, round, sleep, type Metrics, type Scenario } from './harness.js';
import { connectRawPairOverRelay } from './raw.js';
import type { LoadResult } from './lobby-load.js';

const benchDir = () => join(repoRoot(), 'test/bench');

async function connectThroughLobby(url: string): Promise<{ close(): Promise<void> }> {
  const lobby = createLobby({ url });
  const a = await lobby.create({ name: 'a' });
  const b = await lobby.join(a.code, { name: 'b' });
  const open = (s: RoomSession, peer: string) =>
    new Promise<void>((resolve) => {
      if (s.links.get(peer)?.status === 'open') return resolve();
      const off = s.on('linkOpen', ({ peerId }) => peerId === peer && (off(), resolve()));
    });
  await Promise.all([open(a, b.me.id), open(b, a.me.id)]);
  return { close: async () => void (await Promise.all([a.leave(), b.leave()])) };
}

/** The bare ws relay (ws-relay.ts) in a process of its own, as lobby.scale runs it. */
async function startRelay(): Promise<{ url: string; stop(): void }> {
  const relayFile = await bundleForNode(join(benchDir(), 'ws-relay.ts'), 'ws-relay');
  const relay = spawn(process.execPath, [relayFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => relay.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
  return { url: `ws://127.0.0.1:${port}`, stop: () => relay.kill() };
}

const CONNECT_RUNS = 60;
/** A connect this much slower than the median waited on a timer (DTLS retransmits after 1 s). */
const LATE_MS = 500;

const connect: Scenario = {
  name: 'lobby.connect',
  description: `create, join by code → both links open, ${CONNECT_RUNS} runs; raw = two bare node-datachannel peers signaling through a bare ws relay`,
  async run() {
    const server = await startServer([], {}, 'info');
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
      const viaLobby = () => connectThroughLobby(server.url);
      const viaRelay = () => connectRawPairOverRelay(relay.url, `r${room++}`);
      await alternate(4, () => time([], viaLobby), () => time([], viaRelay)); // warm-up
      await alternate(CONNECT_RUNS, () => time(ours, viaLobby), () => time(raw, viaRelay));
      const p50 = percentile(ours, 50);
      const rawP50 = percentile(raw, 50);
      return {
        ours_ms_p50: round(p50),
        ours_ms_p90: round(percentile(ours, 90)),
        ours_ms_p99: round(percentile(ours, 99)),
        ours_late: ours.filter((ms) => ms > LATE_MS).length,
        raw_ms_p50: round(rawP50),
        raw_ms_p90: round(percentile(raw, 90)),
        raw_ms_p99: round(percentile(raw, 99)),
        raw_late: raw.filter((ms) => ms > LATE_MS).length,
        ratio: round(p50 / rawP50),
        ratio_p90: round(percentile(ours, 90) / percentile(raw, 90)),
      };
    } finally {
      relay.stop();
      await server.stop();
    }
  },
};

async function runLoad(mode: 'lobby' | 'ws', url: string, rooms: number): Promise<LoadResult> {
  const file = await bundleForNode(join(benchDir(), 'lobby-load.ts'), 'lobby-load');
  const child = spawn(process.execPath, [file, mode, url, String(rooms)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`load process exited with ${code}: ${out}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as LoadResult;
}

const ROOMS = 500;

const scale: Scenario = {
  name: 'lobby.scale',
  description: `${ROOMS * 2} clients in ${ROOMS} rooms, 20 signals a pair, from a load process; baseline: bare ws relay`,
  async run() {
    // Every load client comes from one address, as they would through a reverse proxy.
    const server = await startServer(['--connections-per-address', '0'], {}, 'info');
    let ours: LoadResult;
    let rssMb: number;
    try {
      ours = await runLoad('lobby', server.url, ROOMS);
      rssMb = (await server.metric('rallypoint_process_resident_memory_bytes')) / 2 ** 20;
    } finally {
      await server.stop();
    }
    const relay = await startRelay();
    let base: LoadResult;
    try {
      base = await runLoad('ws', relay.url, ROOMS);
    } finally {
      relay.stop();
    }
    const metrics: Metrics = {
      clients: ours.clients,
      join_p50_ms: round(ours.joinP50),
      join_p99_ms: round(ours.joinP99),
      signal_p50_ms: round(ours.signalP50),
      signal_p99_ms: round(ours.signalP99),
      signals_delivered: ours.signalsDelivered,
      server_rss_mb: round(rssMb, 1),
      load_cpu_pct: round(ours.cpuPct, 1),
      baseline_clients: base.clients,
      baseline_signal_p50_ms: round(base.signalP50),
      baseline_signal_p99_ms: round(base.signalP99),
      signal_ratio: round(ours.signalP99 / base.signalP99),
    };
    return metrics;
  },
};

export const lobbyScenarios = [connect, scale];
