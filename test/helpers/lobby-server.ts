/**
 * The real lobby server (its CLI, bundled from source) in a child process on a random port, like
 * Colyseus' `testing.boot`: hands back its URL, a way to read `/metrics`, and stop/restart.
 * A process of its own because Colyseus keeps its matchmaker in module state, and because
 * stopping and restarting the server is part of what is tested.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { bundleForNode } from '../../scripts/bundle-node.mjs';
import { repoRoot } from './repo.js';
import { deadline } from './wait.js';

const execFileAsync = promisify(execFile);
const cliEntry = join(repoRoot(), 'server/src/cli.ts');
let bundled: Promise<string> | undefined;

/** Log messages of the server (cli.ts, game-room.ts, listing-room.ts) that mean a bug escaped a handler. */
const FATAL_MESSAGES = new Set(['uncaught exception', 'unhandled rejection', 'uncaught exception in a game room', 'uncaught exception in the listing room']);

/** Servers started and not yet stopped, for the suite-wide check in test/setup.ts. */
export const liveServers = new Set<ServerProcess>();

export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Every JSON log line the server wrote. */
  readonly logs: Record<string, unknown>[];
  /** Send a signal and wait for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  metrics(): Promise<string>;
  /** One sample of a metric from `/metrics` (0 when absent). */
  metric(name: string, labels?: string): Promise<number>;
  /**
   * What the server logged, since the last call, that says something escaped its handlers: an
   * uncaught exception or unhandled rejection (the suite fails the test during which it happened).
   */
  takeEscapes(): string[];
}

/** The CLI, bundled from source once per test process. */
export function bundledCli(): Promise<string> {
  bundled ??= bundleForNode(cliEntry, `lobby-server-${process.pid}`);
  return bundled;
}

/** Where the server runs: by default on loopback here; in a network lab, in one of its namespaces. */
export interface ServerPlace {
  /** Run inside this network namespace (`ip netns exec`). */
  netns?: string;
  /** Address to listen on and to hand out in `url`. @default 127.0.0.1 */
  host?: string;
}

export async function startServer(args: string[] = [], env: NodeJS.ProcessEnv = {}, logLevel = 'debug', place: ServerPlace = {}): Promise<ServerProcess> {
  const file = await bundledCli();
  const host = place.host ?? '127.0.0.1';
  const argv = [file, '--host', host, '--port', '0', '--log-level', logLevel, ...args];
  const [command, commandArgs] = place.netns === undefined ? [process.execPath, argv] : ['ip', ['netns', 'exec', place.netns, process.execPath, ...argv]];
  const child = spawn(command, commandArgs, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const escapes: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    stderr.push(text);
    if (/uncaught|unhandled/i.test(text)) escapes.push(`stderr: ${text.slice(0, 2000)}`);
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  /** The URL the server says it is at (https:// with --tls-cert), and its port. */
  const { port, url } = await new Promise<{ port: number; url: string }>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`lobby server did not start: ${stderr.join('')}`)), deadline(15_000));
    void exited.then((code) => fail(new Error(`lobby server exited with ${code}: ${stderr.join('')}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      // Printed whatever the log level (the JSON 'listening' line needs info or below).
      const plain = /^rallypoint-server listening on (\S+) \(port (\d+)\)$/.exec(line);
      if (plain !== null) {
        clearTimeout(timer);
        done({ port: Number(plain[2]), url: `${plain[1]!.startsWith('https:') ? 'https' : 'http'}://${host}:${plain[2]}` });
        return;
      }
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      if (typeof entry.msg === 'string' && FATAL_MESSAGES.has(entry.msg)) escapes.push(line.slice(0, 2000));
      if (entry.msg === 'listening') {
        clearTimeout(timer);
        done({ port: entry.port as number, url: `${entry.tls === true ? 'https' : 'http'}://${host}:${String(entry.port)}` });
      }
    });
  });
  // From here a lab namespace's address is out of reach: read it from inside the namespace.
  const metrics = async () =>
    place.netns === undefined
      ? (await fetch(`${url}/metrics`)).text()
      : (await execFileAsync('ip', ['netns', 'exec', place.netns, process.execPath, '-e', `fetch(${JSON.stringify(`${url}/metrics`)}).then((r) => r.text()).then((t) => process.stdout.write(t))`])).stdout;
  const server: ServerProcess = {
    url,
    port,
    child,
    logs,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    takeEscapes: () => escapes.splice(0),
    metrics,
    async metric(name, labels) {
      const text = await metrics();
      const line = text.split('\n').find((l) => l.startsWith(labels === undefined ? `${name} ` : `${name}{${labels}} `));
      return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
    },
  };
  liveServers.add(server);
  return server;
}
