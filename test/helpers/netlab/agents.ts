/**
 * Test side of ./agent.ts: starts a player in a lab host's namespace and calls its commands.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { bundleForNode } from '../../../scripts/bundle-node.mjs';
import { repoRoot } from '../repo.js';
import { deadline } from '../wait.js';
import type { Lab } from './lab.js';

let bundled: Promise<string> | undefined;
const agentFile = () => (bundled ??= bundleForNode(join(repoRoot(), 'test/helpers/netlab/agent.ts'), `netlab-agent-${process.pid}`));

export interface Agent {
  readonly host: string;
  /** What the agent wrote to stderr (warnings, link failures). */
  readonly stderr: string[];
  call<R = unknown>(cmd: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<R>;
  stop(): Promise<void>;
}

const liveAgents = new Set<Agent>();

/** Stops every agent still running (for afterEach / afterAll). */
export async function stopAgents(): Promise<void> {
  await Promise.all([...liveAgents].map((agent) => agent.stop()));
}

/** `lab`: where the agent runs (a lab namespace), or anything that spawns a process the same way. */
/**
 * A player on this machine, outside the lab: a plain child process, with `env` added to this
 * process's (say `NODE_EXTRA_CA_CERTS`, to trust a test certificate).
 */
export function startLocalAgent(name: string, env: NodeJS.ProcessEnv = {}): Promise<Agent> {
  return startAgent({ spawn: (_host, command, args, options) => spawn(command, args, { ...options, env: { ...process.env, ...env } }) }, name);
}

export async function startAgent(lab: Pick<Lab, 'spawn'>, host: string): Promise<Agent> {
  const child = lab.spawn(host, process.execPath, [await agentFile()], { stdio: ['pipe', 'pipe', 'pipe'], cwd: repoRoot() });
  const stderr: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  const exited = new Promise<void>((done) =>
    child.once('exit', (code) => {
      for (const { reject } of waiting.values()) reject(new Error(`agent on ${host} exited (${code}): ${stderr.join('').slice(-2000)}`));
      waiting.clear();
      done();
    }),
  );
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let message: { id: number; ok: boolean; value?: unknown; error?: string };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      stderr.push(`stdout: ${line}\n`);
      return;
    }
    const pending = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.ok) pending?.resolve(message.value);
    else pending?.reject(new Error(`${host}: ${message.error}`));
  });
  let nextId = 1;
  const agent: Agent = {
    host,
    stderr,
    call<R>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 60_000) {
      const id = nextId++;
      return new Promise<R>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`${host}: ${cmd} did not answer within ${deadline(timeoutMs)} ms`));
        }, deadline(timeoutMs));
        waiting.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value as R);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        child.stdin!.write(`${JSON.stringify({ id, cmd, ...args })}\n`);
      });
    },
    async stop() {
      liveAgents.delete(agent);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  liveAgents.add(agent);
  return agent;
}
