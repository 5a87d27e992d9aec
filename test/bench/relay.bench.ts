/**
 * The lobby relay against a direct link, on loopback, in one run: two Node players in one room of
 * the real server (its own process), once with `relay: 'always'` (both lanes through the server)
 * and once with `relay: 'off'` (a node-datachannel connection), alternating, reported as ratios.
 * The server runs with a relay budget far above the default (512 KiB/s a member), so these measure
 * what the relay can carry, not the budget.
 */
import { readFileSync } from 'node:fs';
import type { Link, LinkTypes } from '@rallypoint/core';
import { createLobby, type LobbyRelayMode, type RoomSession } from '@rallypoint/lobby/node';
import { startServer, type ServerProcess } from '../helpers/lobby-server.js';
import { alternate, percentile, round, sleep, type Scenario } from './harness.js';

type BenchTypes = { events: { blob: Uint8Array }; state: Uint8Array } & LinkTypes;

interface Pair {
  a: Link<BenchTypes>;
  b: Link<BenchTypes>;
  close(): Promise<void>;
}

const CAPACITY_BUDGET = String(1024 * 1024 * 1024);

async function pairThrough(server: ServerProcess, relay: LobbyRelayMode): Promise<Pair> {
  const lobby = () => createLobby<BenchTypes>({ url: server.url, relay, logger: { debug: () => undefined, warn: () => undefined } });
  const a = await lobby().create({ name: 'a' });
  const b = await lobby().join(a.code, { name: 'b' });
  const linkTo = (session: RoomSession<BenchTypes>, peer: string) =>
    new Promise<Link<BenchTypes>>((resolve) => {
      const now = session.links.get(peer);
      if (now?.status === 'open') return resolve(now);
      const off = session.on('linkOpen', ({ peerId, link }) => peerId === peer && (off(), resolve(link)));
    });
  const [la, lb] = await Promise.all([linkTo(a, b.me.id), linkTo(b, a.me.id)]);
  if (la.transport !== (relay === 'always' ? 'relay' : 'p2p')) throw new Error(`expected ${relay === 'always' ? 'relay' : 'p2p'}, got ${la.transport}`);
  return { a: la, b: lb, close: async () => void (await Promise.all([a.leave(), b.leave()])) };
}

/** The real server with a relay budget far over the default, and a relayed and a direct pair in it. */
async function withPairs<T>(measure: (pairs: { relayed: Pair; direct: Pair; server: ServerProcess }) => Promise<T>): Promise<T> {
  const server = await startServer(['--relay-bytes-per-second', CAPACITY_BUDGET], {}, 'info');
  try {
    const relayed = await pairThrough(server, 'always');
    const direct = await pairThrough(server, 'off');
    try {
      return await measure({ relayed, direct, server });
    } finally {
      await relayed.close();
      await direct.close();
    }
  } finally {
    await server.stop();
  }
}

/** CPU seconds (user + system) the process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // After "pid (comm) ": state is field 0, utime 11, stime 12, in clock ticks (100 a second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const rtt: Scenario = {
  name: 'relay.rtt',
  description: 'state-lane ping-pong, 64 B, one in flight, through the lobby relay vs a direct link, 1,000 samples each',
  run: () =>
    withPairs(async ({ relayed, direct }) => {
      const payload = new Uint8Array(64).fill(7);
      const samples = { relay: [] as number[], p2p: [] as number[] };
      const ping = (pair: Pair) => {
        pair.b.state.onMessage(({ payload: p }) => pair.b.state.send(p));
        let resolveNext: () => void = () => undefined;
        pair.a.state.onMessage(() => resolveNext());
        return () =>
          new Promise<void>((resolve) => {
            resolveNext = resolve;
            pair.a.state.send(payload);
          });
      };
      const pingRelay = ping(relayed);
      const pingDirect = ping(direct);
      const block = (into: number[] | null, once: () => Promise<void>) => async () => {
        for (let i = 0; i < 100; i++) {
          const t0 = performance.now();
          await once();
          into?.push((performance.now() - t0) * 1000);
        }
      };
      await alternate(3, block(null, pingRelay), block(null, pingDirect)); // warm-up
      await alternate(10, block(samples.relay, pingRelay), block(samples.p2p, pingDirect));
      const relayP50 = percentile(samples.relay, 50);
      const p2pP50 = percentile(samples.p2p, 50);
      return {
        relay_us_p50: round(relayP50, 1),
        relay_us_p99: round(percentile(samples.relay, 99), 1),
        p2p_us_p50: round(p2pP50, 1),
        p2p_us_p99: round(percentile(samples.p2p, 99), 1),
        ratio_p50: round(relayP50 / p2pP50),
      };
    }),
};

const EVENT_BYTES = 8 * 1024;
const HIGH_WATER = 1024 * 1024;

const throughput: Scenario = {
  name: 'relay.throughput',
  description: 'events lane, 8 KiB events, 2 s turns (3 each), through the lobby relay vs a direct link; server CPU per relayed Mbit',
  run: () =>
    withPairs(async ({ relayed, direct, server }) => {
      const payload = new Uint8Array(EVENT_BYTES).fill(3);
      const totals = { relay: { bytes: 0, ms: 0 }, p2p: { bytes: 0, ms: 0 } };
      let serverCpuS = 0;
      const pid = server.child.pid!;
      const turn = (pair: Pair, into: { bytes: number; ms: number }, measureCpu: boolean) => async () => {
        let received = 0;
        const off = pair.b.events.on('blob', (blob) => (received += blob.byteLength));
        const cpu0 = measureCpu ? cpuSeconds(pid) : 0;
        const t0 = performance.now();
        const end = t0 + 2000;
        let sent = 0;
        while (performance.now() < end) {
          while (pair.a.events.bufferedAmount < HIGH_WATER && performance.now() < end) {
            pair.a.events.emit('blob', payload);
            sent += payload.byteLength;
          }
          await Promise.race([new Promise<void>((resolve) => pair.a.once('drain', () => resolve())), sleep(20)]);
        }
        while (received < sent && performance.now() < end + 10_000) await sleep(5);
        into.ms += performance.now() - t0;
        into.bytes += received;
        if (measureCpu) serverCpuS += cpuSeconds(pid) - cpu0;
        off();
      };
      await alternate(3, turn(relayed, totals.relay, true), turn(direct, totals.p2p, false));
      const relayMBps = totals.relay.bytes / 1e6 / (totals.relay.ms / 1000);
      const p2pMBps = totals.p2p.bytes / 1e6 / (totals.p2p.ms / 1000);
      const relayedMbit = (totals.relay.bytes * 8) / 1e6;
      return {
        relay_mb_per_s: round(relayMBps, 1),
        p2p_mb_per_s: round(p2pMBps, 1),
        ratio: round(relayMBps / p2pMBps),
        server_cpu_ms_per_mbit: round((serverCpuS * 1000) / relayedMbit, 2),
      };
    }),
};

export const relayScenarios: Scenario[] = [rtt, throughput];
