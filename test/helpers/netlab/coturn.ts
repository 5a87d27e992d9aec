/**
 * Real coturn (Debian's `coturn` package) inside a lab namespace, with TURN REST credentials
 * (`use-auth-secret` + `static-auth-secret`): the convention the lobby mints its credentials in.
 * It listens on UDP and TCP 3478 (STUN too) on the lab's public address; no TLS.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { deadline } from '../wait.js';
import type { Lab } from './lab.js';

export const TURN_REALM = 'rallypoint.test';
export const TURN_PORT = 3478;

export interface Coturn {
  readonly urls: { udp: string; tcp: string; stun: string };
  readonly secret: string;
  /** Lines coturn logged. */
  readonly logs: string[];
  stop(): Promise<void>;
}

export function coturnUnavailable(): string | undefined {
  return spawnSync('sh', ['-c', 'command -v turnserver']).status === 0 ? undefined : 'missing turnserver: apt-get install -y coturn';
}

export async function startCoturn(lab: Lab, secret: string): Promise<Coturn> {
  const why = coturnUnavailable();
  if (why !== undefined) throw new Error(why);
  const address = lab.publicAddress;
  const dir = mkdtempSync(join(tmpdir(), 'rallypoint-coturn-'));
  const child: ChildProcess = lab.spawn(
    'pub',
    'turnserver',
    [
      '-n', // no config file
      `--listening-ip=${address}`,
      `--relay-ip=${address}`,
      `--listening-port=${TURN_PORT}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      `--realm=${TURN_REALM}`,
      '--fingerprint',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      '--no-software-attribute',
      '--log-file=stdout',
      '--simple-log',
      `--pidfile=${join(dir, 'turnserver.pid')}`,
      `--userdb=${join(dir, 'turndb')}`,
      '--min-port=49152',
      '--max-port=65535',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs: string[] = [];
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const onLine = (line: string) => logs.push(line);
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  // Ready when both of its sockets listen (its log does not say so at this verbosity).
  const until = Date.now() + deadline(10_000);
  for (;;) {
    const sockets = lab.run('pub', 'ss', ['-H', '-lnut', `sport = :${TURN_PORT}`]);
    if (/^udp/m.test(sockets) && /^tcp/m.test(sockets)) break;
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`coturn exited:\n${logs.slice(-20).join('\n')}`);
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`coturn did not start:\n${logs.slice(-20).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    urls: {
      udp: `turn:${address}:${TURN_PORT}?transport=udp`,
      tcp: `turn:${address}:${TURN_PORT}?transport=tcp`,
      stun: `stun:${address}:${TURN_PORT}`,
    },
    secret,
    logs,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
