/**
 * Real coturn (Debian's `coturn` package) inside a lab namespace, with TURN REST credentials
 * (`use-auth-secret` + `static-auth-secret`): the convention the lobby mints its credentials in.
 * It listens on UDP and TCP 3478 (STUN too) on the lab's public address; given a certificate, it
 * runs from docs/deploy.md's deploy/turnserver.conf and serves TLS on 5349 (`turns:`) too.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from '../repo.js';
import { deadline } from '../wait.js';
import type { Lab } from './lab.js';

export const TURN_REALM = 'rallypoint.test';
export const TURN_PORT = 3478;
export const TURN_TLS_PORT = 5349;

export interface Coturn {
  /** `tls` only when started with a certificate. */
  readonly urls: { udp: string; tcp: string; stun: string; tls?: string };
  readonly secret: string;
  /** Lines coturn logged. */
  readonly logs: string[];
  /** SIGUSR2: coturn reads its certificate files again (what the guide's certbot hook sends). */
  reloadCertificate(): void;
  stop(): Promise<void>;
}

export function coturnUnavailable(): string | undefined {
  return spawnSync('sh', ['-c', 'command -v turnserver']).status === 0 ? undefined : 'missing turnserver: apt-get install -y coturn';
}

export interface CoturnOptions {
  /**
   * PEM files of a certificate for the lab's public address. coturn then runs from the deploy
   * guide's deploy/turnserver.conf (TLS on 5349 and all), with the lab's names in place of the
   * guide's: the setup the guide hands out is the one these tests use.
   */
  tls?: { certFile: string; keyFile: string };
}

/** The deploy guide's coturn file with the lab's names: every change is an exact line, or this throws. */
export function guideConfig(secret: string, tls: { certFile: string; keyFile: string }): string {
  let text = readFileSync(join(repoRoot(), 'deploy/turnserver.conf'), 'utf8');
  const swap = (line: string, by: string) => {
    if (!text.includes(`\n${line}\n`)) throw new Error(`deploy/turnserver.conf no longer has the line "${line}"`);
    text = text.replace(`\n${line}\n`, `\n${by}\n`);
  };
  swap('static-auth-secret=CHANGE-ME', `static-auth-secret=${secret}`);
  swap('realm=turn.example.org', `realm=${TURN_REALM}`);
  swap('cert=/etc/coturn/tls/fullchain.pem', `cert=${tls.certFile}`);
  swap('pkey=/etc/coturn/tls/privkey.pem', `pkey=${tls.keyFile}`);
  // The lab reads coturn's log on its stdout, not from a journal.
  swap('syslog', '');
  return text;
}

function writeConfig(dir: string, text: string): string {
  const file = join(dir, 'turnserver.conf');
  writeFileSync(file, text);
  return file;
}

export async function startCoturn(lab: Lab, secret: string, options: CoturnOptions = {}): Promise<Coturn> {
  const why = coturnUnavailable();
  if (why !== undefined) throw new Error(why);
  const address = lab.publicAddress;
  const dir = mkdtempSync(join(tmpdir(), 'rallypoint-coturn-'));
  const settings =
    options.tls === undefined
      ? ['-n', `--listening-port=${TURN_PORT}`, '--use-auth-secret', `--static-auth-secret=${secret}`, `--realm=${TURN_REALM}`, '--fingerprint', '--no-tls', '--no-dtls', '--no-cli', '--min-port=49152', '--max-port=65535']
      : ['-c', writeConfig(dir, guideConfig(secret, options.tls))];
  const child: ChildProcess = lab.spawn(
    'pub',
    'turnserver',
    [
      ...settings,
      // The lab's: its one address, a log to read, and files of its own.
      `--listening-ip=${address}`,
      `--relay-ip=${address}`,
      '--no-software-attribute',
      '--log-file=stdout',
      '--simple-log',
      '--verbose', // sessions opening and closing, which the TLS tests read
      `--pidfile=${join(dir, 'turnserver.pid')}`,
      `--userdb=${join(dir, 'turndb')}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs: string[] = [];
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const onLine = (line: string) => logs.push(line);
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  // Ready when its sockets listen (its log does not say so at this verbosity).
  const until = Date.now() + deadline(10_000);
  for (;;) {
    const sockets = lab.run('pub', 'ss', ['-H', '-lnut', `sport = :${TURN_PORT}`]);
    const tls = options.tls === undefined || lab.run('pub', 'ss', ['-H', '-lnt', `sport = :${TURN_TLS_PORT}`]).trim() !== '';
    if (/^udp/m.test(sockets) && /^tcp/m.test(sockets) && tls) break;
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
      ...(options.tls !== undefined && { tls: `turns:${address}:${TURN_TLS_PORT}?transport=tcp` }),
    },
    secret,
    logs,
    reloadCertificate() {
      child.kill('SIGUSR2');
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
