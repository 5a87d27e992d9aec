/**
 * The load side of lobby.scale and lobby.cluster, in a process of its own:
 * `node lobby-load.mjs <lobby|ws> <url[,url…]> <rooms>`. Puts two clients in each room (a lobby
 * client's matchmaking goes to the URLs in turn), stays connected and idle for a while, then has
 * each pair relay 20 signals (one every 50 ms, alternating direction), the pairs starting spread
 * out so that about 500 pairs signal at once, as players arriving would. Prints a JSON line at
 * each phase (`{"phase":"joined"}`, `{"phase":"idle"}`, `{"phase":"signaled"}`: the bench samples
 * the server between them), then one of results. Clients speak the protocol with colyseus.js
 * directly (no WebRTC links): this measures the server, not node-datachannel.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Client, type Room } from 'colyseus.js';
import WebSocket from 'ws';
import { ClientMessage, RoomName, ServerMessage, type SignalPayload, type WelcomePayload } from '@rallypoint/protocol';
import { percentile } from './harness.js';

export interface LoadResult {
  clients: number;
  /** Clients that did not get in. */
  joinFailures: number;
  /** Joins a second over the join phase (wall clock). */
  joinsPerSecond: number;
  joinP50: number;
  joinP99: number;
  signalP50: number;
  signalP99: number;
  signalsDelivered: number;
  /** CPU time of this process over the signal phase, as % of one core: near 100 means the load process limits the result. */
  cpuPct: number;
  /** This process's own event-loop delay over the signal phase, ms: what of a signal's latency is the load side's. */
  loadLoopDelayP99Ms: number;
  loadLoopDelayMaxMs: number;
}

const [mode, urlsArg, roomsArg] = process.argv.slice(2) as ['lobby' | 'ws', string, string];
const urls = urlsArg.split(',');
const rooms = Number(roomsArg);
const SIGNALS_PER_PAIR = 20;
const SIGNAL_INTERVAL_MS = 50;
const JOIN_CONCURRENCY = 50;
/** How long everyone stays connected and quiet before signaling (the bench measures the idle server). */
const IDLE_MS = 5000;
/** Pairs signalling at one time, on average: their start times spread over rooms / this seconds. */
const CONCURRENT_PAIRS = 500;
let nextUrl = 0;
const pickUrl = () => urls[nextUrl++ % urls.length]!;
// A typical trickled ICE candidate.
const candidate = 'candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 192.168.1.20 rport 46154 generation 0 ufrag EsAw network-cost 999';

interface Member {
  id: string;
  send(to: string, data: Record<string, unknown>): void;
  onSignal(fn: (data: { t: number }) => void): void;
  close(): void;
}

const joinTimes: number[] = [];
const signalTimes: number[] = [];

async function lobbyPair(): Promise<[Member, Member]> {
  const join = async (how: (client: Client) => Promise<Room>): Promise<Member & { code: string }> => {
    const t0 = performance.now();
    const room = await how(new Client(pickUrl()));
    const welcome = await new Promise<WelcomePayload>((resolve) => room.onMessage(ServerMessage.Welcome, resolve));
    joinTimes.push(performance.now() - t0);
    for (const type of Object.values(ServerMessage)) if (type !== ServerMessage.Welcome && type !== ServerMessage.Signal) room.onMessage(type, () => undefined);
    return {
      id: welcome.you,
      code: welcome.code,
      send: (to, data) => room.send(ClientMessage.Signal, { to, data }),
      onSignal: (fn) => room.onMessage(ServerMessage.Signal, (s: SignalPayload) => fn(s.data as unknown as { t: number })),
      close: () => void room.leave(true),
    };
  };
  const host = await join((client) => client.create(RoomName.Game, { name: 'host', maxPlayers: 2 }));
  const guest = await join((client) => client.joinById(host.code, { name: 'guest' }));
  return [host, guest];
}

let wsRoom = 0;
async function wsPair(): Promise<[Member, Member]> {
  const room = `room${wsRoom++}`;
  const join = (id: string) =>
    new Promise<Member>((resolve, reject) => {
      const t0 = performance.now();
      const socket = new WebSocket(`${pickUrl()}/${room}`);
      socket.once('error', reject);
      const handlers: ((data: { t: number }) => void)[] = [];
      socket.on('message', (raw: Buffer) => {
        const message = JSON.parse(raw.toString()) as { data: { t: number } };
        for (const fn of handlers) fn(message.data);
      });
      socket.once('open', () => {
        joinTimes.push(performance.now() - t0);
        resolve({ id, send: (to, data) => socket.send(JSON.stringify({ to, data })), onSignal: (fn) => handlers.push(fn), close: () => socket.close() });
      });
    });
  return [await join('a'), await join('b')];
}

const phase = (name: string) => process.stdout.write(`${JSON.stringify({ phase: name })}\n`);

async function main(): Promise<void> {
  const pairs: [Member, Member][] = [];
  const makePair = mode === 'lobby' ? lobbyPair : wsPair;
  let joinFailures = 0;
  const joinStart = performance.now();
  for (let i = 0; i < rooms; i += JOIN_CONCURRENCY) {
    const batch = await Promise.allSettled(Array.from({ length: Math.min(JOIN_CONCURRENCY, rooms - i) }, () => makePair()));
    for (const result of batch) {
      if (result.status === 'fulfilled') pairs.push(result.value);
      else {
        joinFailures += 2;
        if (joinFailures <= 20) process.stderr.write(`join failed: ${String(result.reason)}\n`);
      }
    }
  }
  const joinsPerSecond = (pairs.length * 2) / ((performance.now() - joinStart) / 1000);
  phase('joined');
  await new Promise((r) => setTimeout(r, IDLE_MS));
  phase('idle');
  let delivered = 0;
  for (const [a, b] of pairs) {
    for (const member of [a, b]) {
      member.onSignal(({ t }) => {
        signalTimes.push(performance.now() - t);
        delivered++;
      });
    }
  }
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  await Promise.all(
    pairs.map(async ([a, b]) => {
      await new Promise((r) => setTimeout(r, Math.random() * Math.max(SIGNAL_INTERVAL_MS, (pairs.length / CONCURRENT_PAIRS) * 1000)));
      for (let k = 0; k < SIGNALS_PER_PAIR; k++) {
        const [from, to] = k % 2 === 0 ? [a, b] : [b, a];
        from.send(to.id, { type: 'candidate', candidate, t: performance.now() });
        await new Promise((r) => setTimeout(r, SIGNAL_INTERVAL_MS));
      }
    }),
  );
  const expected = pairs.length * SIGNALS_PER_PAIR;
  const end = Date.now() + 10_000;
  while (delivered < expected && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  loop.disable();
  const cpu = process.cpuUsage(cpu0);
  const cpuPct = ((cpu.user + cpu.system) / 1000 / (performance.now() - wall0)) * 100;
  phase('signaled');
  // The bench reads the server's memory now, with everyone still connected.
  await new Promise((r) => setTimeout(r, 500));
  for (const [a, b] of pairs) {
    a.close();
    b.close();
  }
  const result: LoadResult = {
    clients: pairs.length * 2,
    joinFailures,
    joinsPerSecond,
    joinP50: percentile(joinTimes, 50),
    joinP99: percentile(joinTimes, 99),
    signalP50: percentile(signalTimes, 50),
    signalP99: percentile(signalTimes, 99),
    signalsDelivered: delivered,
    cpuPct,
    loadLoopDelayP99Ms: loop.percentile(99) / 1e6,
    loadLoopDelayMaxMs: loop.max / 1e6,
  };
  await new Promise((r) => setTimeout(r, 200));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

await main();
