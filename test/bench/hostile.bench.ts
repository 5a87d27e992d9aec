/**
 * What hostile input costs everyone else, beside the same traffic from honest players:
 * - lobby.hostile: an honest pair's signal round trips through the real server while quiet, while
 *   another client sends pointer DAGs and nesting bombs, and while a flood of big request heads and
 *   connection hogs comes in (goal: p99 under 50 ms in both), while 256 MiB request bodies are
 *   posted (big_body_p99_ratio) and while a member floods the relay far over its budget
 *   (relay_flood_p99_ratio; goal for both: at most 1.5× quiet);
 * - link.hostile: a link's longest event-loop stall while it refuses a pointer DAG, a trailing-byte
 *   DAG and 16 MiB of empty maps, beside an honest event of the same size (goal: under 50 ms).
 */
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FrameKind, type LinkTypes } from '@rallypoint/core';
import { LobbyLimits, RoomName } from '@rallypoint/protocol';
import { Packr } from 'msgpackr';
import { bundleForNode } from '../../scripts/bundle-node.mjs';
import { createFrameSource } from '../fuzz/frames.js';
import { startServer } from '../helpers/lobby-server.js';
import { createLinkPair } from '../helpers/pair.js';
import { startPingPong, type PingPong } from '../helpers/ping-pong.js';
import { rawMember, roomFrame, ROOM_DATA } from '../helpers/raw-member.js';
import { repoRoot } from '../helpers/repo.js';
import { percentile, round, sleep, type Metrics, type Scenario } from './harness.js';

const ROUND_TRIPS = 400;

async function roundTrips(pingPong: PingPong, during?: () => () => void): Promise<number[]> {
  const since = pingPong.roundTrips.length;
  const stop = during?.();
  try {
    await pingPong.more(ROUND_TRIPS, 'round trips', ROUND_TRIPS * 100);
  } finally {
    stop?.();
  }
  return pingPong.roundTrips.slice(since);
}

const lobbyHostile: Scenario = {
  name: 'lobby.hostile',
  description: `an honest pair's signal round trips (${ROUND_TRIPS}) quiet, under hostile frames, a head/connection flood, 256 MiB bodies, a relay flood`,
  async run() {
    const server = await startServer(['--connections-per-address', '48'], {}, 'info');
    try {
      const c = await rawMember(server.url, (client) => client.create(RoomName.Game, { name: 'C' }));
      const d = await rawMember(server.url, (client) => client.joinById(c.welcome.code, { name: 'D' }));
      const pingPong = startPingPong(c, d);
      const host = await rawMember(server.url, (client) => client.create(RoomName.Game, { name: 'host', maxPlayers: 16 }));
      const source = createFrameSource(3);
      await roundTrips(pingPong); // warm-up
      const quiet = await roundTrips(pingPong);

      // A hostile client sends a DAG, a trailing-byte DAG or a nesting bomb every 10 ms, and is
      // replaced when the server disconnects it for abuse.
      const frames = [
        () => roomFrame(ROOM_DATA, 'signal', source.dag(45, 5, false)),
        () => roomFrame(ROOM_DATA, 'signal', source.dag(45, 5, true)),
        () => roomFrame(ROOM_DATA, 'signal', source.nested(5000, false)),
      ];
      let hostileSent = 0;
      const hostile = await roundTrips(pingPong, () => {
        let running = true;
        void (async () => {
          while (running) {
            const mallory = await rawMember(server.url, (client) => client.joinById(host.welcome.code, { name: 'mallory' }));
            while (running && mallory.closedWith === undefined) {
              mallory.sendRaw(source.pick(frames)());
              hostileSent++;
              await sleep(10);
            }
            if (mallory.closedWith === undefined) await mallory.room.leave(true).catch(() => undefined);
          }
        })();
        return () => (running = false);
      });

      // 40 sockets at a time send request heads just under the limit, as fast as they are answered.
      let headsSent = 0;
      const flood = await roundTrips(pingPong, () => {
        let running = true;
        const sockets = new Set<Socket>();
        const head = `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(LobbyLimits.httpMaxHeaderBytes - 200)}\r\n\r\n`;
        const open = () => {
          if (!running) return;
          const socket = connect(server.port, '127.0.0.1');
          sockets.add(socket);
          socket.on('error', () => undefined);
          socket.on('data', () => socket.write(head, () => headsSent++));
          socket.on('close', () => {
            sockets.delete(socket);
            setTimeout(open, 1);
          });
          socket.write(head, () => headsSent++);
        };
        for (let i = 0; i < 40; i++) open();
        return () => {
          running = false;
          for (const socket of sockets) socket.destroy();
        };
      });
      // 256 MiB bodies, then a relay flood, each from a process of its own (see hostile-load.ts).
      const loadFile = await bundleForNode(join(repoRoot(), 'test/bench/hostile-load.ts'), 'hostile-load');
      const during = async (mode: 'bodies' | 'relay-flood') => {
        const child = spawn(process.execPath, [loadFile, mode, server.url, host.welcome.code], { stdio: ['ignore', 'pipe', 'inherit'] });
        let report = '';
        child.stdout.on('data', (chunk: Buffer) => (report += chunk.toString()));
        const exited = new Promise((resolve) => child.once('exit', resolve));
        await sleep(500); // under way before the round trips are timed
        const samples = await roundTrips(pingPong);
        child.kill('SIGTERM');
        await exited;
        return { samples, counts: JSON.parse(report || '{}') as Record<string, number> };
      };
      const bodies = await during('bodies');
      const relayFlood = await during('relay-flood');

      pingPong.stop();
      await Promise.all([c, d, host].map((m) => m.room.leave(true)));
      const p99 = (samples: number[]) => round(percentile(samples, 99), 2);
      return {
        quiet_p50_ms: round(percentile(quiet, 50), 2),
        quiet_p99_ms: p99(quiet),
        hostile_p50_ms: round(percentile(hostile, 50), 2),
        hostile_p99_ms: p99(hostile),
        hostile_max_ms: round(Math.max(...hostile), 2),
        hostile_frames: hostileSent,
        hostile_p99_ratio: round(percentile(hostile, 99) / percentile(quiet, 99), 2),
        flood_p50_ms: round(percentile(flood, 50), 2),
        flood_p99_ms: p99(flood),
        flood_max_ms: round(Math.max(...flood), 2),
        flood_heads: headsSent,
        flood_p99_ratio: round(percentile(flood, 99) / percentile(quiet, 99), 2),
        big_body_p50_ms: round(percentile(bodies.samples, 50), 2),
        big_body_p99_ms: p99(bodies.samples),
        big_bodies_413: bodies.counts.bodies_413 ?? 0,
        // Closed unanswered (0), or refused first by the connection limit (429).
        big_bodies_other: Object.entries(bodies.counts).reduce((sum, [what, n]) => sum + (what === 'bodies_413' ? 0 : n), 0),
        big_body_p99_ratio: round(percentile(bodies.samples, 99) / percentile(quiet, 99), 2),
        relay_flood_p50_ms: round(percentile(relayFlood.samples, 50), 2),
        relay_flood_p99_ms: p99(relayFlood.samples),
        relay_flood_frames: relayFlood.counts.frames ?? 0,
        relay_flooders_cut: relayFlood.counts.cut ?? 0,
        relay_flood_joins_refused: relayFlood.counts.joins_refused ?? 0,
        relay_flood_p99_ratio: round(percentile(relayFlood.samples, 99) / percentile(quiet, 99), 2),
      };
    } finally {
      await server.stop();
    }
  },
};

type BlobGame = { events: { blob: Uint8Array } } & LinkTypes;

const linkHostile: Scenario = {
  name: 'link.hostile',
  description: 'longest victim stall refusing a pointer DAG, a trailing-byte DAG, 16 MiB of empty maps; beside honest events of the same size',
  async run() {
    const pair = await createLinkPair<BlobGame>();
    const plain = new Packr({ useRecords: false });
    const source = createFrameSource(5);
    let errors = 0;
    let blobs = 0;
    pair.b.on('error', () => errors++);
    pair.b.events.on('blob', () => blobs++);
    /** The longest stall while `act` runs until `done`, in ms (the histogram's resolution is 1 ms). */
    const stall = async (act: () => void, done: () => boolean): Promise<number> => {
      const loop = monitorEventLoopDelay({ resolution: 1 });
      loop.enable();
      act();
      while (!done()) await sleep(1);
      loop.disable();
      return loop.max / 1e6;
    };
    const dag = Uint8Array.from([0x93, FrameKind.Event, 0xa4, ...Buffer.from('blob'), ...source.dag(35, 5, false)]);
    const maps = 16 * 1024 * 1024 - 16;
    const bomb = new Uint8Array(12 + maps).fill(0x80);
    bomb.set([0x93, FrameKind.Event, 0xa4, ...Buffer.from('blob'), 0xdd, maps >>> 24, (maps >>> 16) & 0xff, (maps >>> 8) & 0xff, maps & 0xff]);
    const chunk = 60 * 1024;
    const sendFragments = (bytes: Uint8Array, id: number) => {
      const count = Math.ceil(bytes.byteLength / chunk);
      for (let i = 0; i < count; i++) pair.spyA.sendRaw('events', plain.pack([FrameKind.Fragment, id, i, count, bytes.subarray(i * chunk, (i + 1) * chunk)]));
    };
    const hostileKinds: [string, () => void, number][] = [
      ['dag', () => pair.spyA.sendRaw('events', dag), dag.byteLength],
      ['trailing_dag', () => pair.spyA.sendRaw('events', Uint8Array.from([...dag, 0xc0])), dag.byteLength],
      ['empty_maps_16mib', () => sendFragments(bomb, 1_000_000), bomb.byteLength],
    ];
    const metrics: Metrics = {};
    try {
      for (const [name, attack, size] of hostileKinds) {
        const ours: number[] = [];
        const honest: number[] = [];
        for (let run = 0; run < 5; run++) {
          const e = errors;
          ours.push(await stall(attack, () => errors > e));
          const b = blobs;
          honest.push(await stall(() => pair.a.events.emit('blob', new Uint8Array(Math.max(0, size - 16))), () => blobs > b));
          await sleep(50);
        }
        const oursP50 = percentile(ours, 50);
        const honestP50 = percentile(honest, 50);
        metrics[`${name}_stall_ms`] = round(oursP50, 2);
        metrics[`${name}_honest_stall_ms`] = round(honestP50, 2);
        metrics[`${name}_ratio`] = round(oursP50 / Math.max(honestP50, 1), 2);
      }
    } finally {
      pair.close();
    }
    return metrics;
  },
};

export const hostileScenarios = [lobbyHostile, linkHostile];
