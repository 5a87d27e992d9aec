/**
 * A lobby cluster on loopback for the tests: a real `redis-server` (Debian's, no persistence, on
 * a free port) and several real lobby processes on it, with the front door of `npm run cluster`
 * in front of them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { startFrontDoor, type FrontDoor } from '../../scripts/front-door.mjs';
import { startServer, type ServerProcess } from './lobby-server.js';
import { deadline } from './wait.js';

export interface RedisProcess {
  readonly url: string;
  readonly port: number;
  /** Of the running redis-server. */
  readonly pid: number;
  /** Stop it (its data goes: nothing is saved) and start it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A port free right now on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort();
  let child: ChildProcess;
  const launch = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    // With loglevel warning it prints nothing on start: wait until it answers instead.
    const end = Date.now() + deadline(10_000);
    while (!(await answers(port))) {
      if (child.exitCode !== null || Date.now() > end) throw new Error(`redis-server did not start on ${port}: ${output.join('')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child.pid!;
    },
    stop,
    async restart() {
      await stop();
      await launch();
    },
  };
}

/** Whether a Redis answers PING on this port. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => resolve(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data: Buffer) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
  });
}

export interface LobbyCluster {
  readonly redis: RedisProcess;
  readonly processes: ServerProcess[];
  /** One port in front of every process (round-robin HTTP; room sockets go to each process). */
  readonly front: FrontDoor;
  /** The process holding the room `code` (from the listing each room's socket address is in). */
  holderOf(code: string): Promise<ServerProcess>;
  stop(): Promise<void>;
}

/** The restore secret every process of a test cluster shares (rooms re-form across them). */
export const CLUSTER_SECRET = 'cluster-test-restore-secret';

export async function startCluster(count: number, args: string[] = [], logLevel = 'debug'): Promise<LobbyCluster> {
  const redis = await startRedis();
  const processes: ServerProcess[] = [];
  for (let i = 0; i < count; i += 1) processes.push(await startServer(['--redis', redis.url, '--restore-secret', CLUSTER_SECRET, ...args], {}, logLevel));
  const front = await startFrontDoor({ backends: processes.map((p) => p.url) });
  return {
    redis,
    processes,
    front,
    async holderOf(code) {
      for (const process of processes) {
        if (process.child.exitCode !== null || process.child.signalCode !== null) continue;
        if (process.logs.some((entry) => entry.msg === 'room created' && entry.code === code) && !process.logs.some((entry) => entry.msg === 'room closed' && entry.code === code)) return process;
      }
      throw new Error(`no live process holds room ${code}`);
    },
    async stop() {
      await front.close();
      await Promise.all(processes.map((p) => p.stop('SIGKILL')));
      await redis.stop();
    },
  };
}
