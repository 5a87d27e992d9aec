/**
 * Links across and around process boundaries: a peer whose process is killed outright (SIGKILL)
 * sends nothing more (no goodbye, no channel close, no SCTP abort), so the survivor must notice
 * through its heartbeat timeout; and a closed link must not keep its process alive.
 */
import { HeartbeatTimeoutError } from '@rallypoint/core';
import { createLink } from '@rallypoint/core/node';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { bundleForNode } from '../../scripts/bundle-node.mjs';
import { until, waitFor } from '../helpers/wait.js';

let script = '';
let closeAndReport = '';
beforeAll(async () => {
  script = await bundleForNode(resolve(import.meta.dirname, '../helpers/remote-peer.ts'));
  closeAndReport = await bundleForNode(resolve(import.meta.dirname, '../helpers/close-and-report.ts'));
});

it('leaves nothing running once closed, so a bot or headless host can exit', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [closeAndReport], { timeout: 30_000 }).catch((error: Error & { killed?: boolean; stdout?: string }) => {
    throw error.killed === true ? new Error(`the process did not exit within 30 s of closing its links; it printed ${error.stdout}`) : error;
  });
  const resources = JSON.parse(stdout.trim().split('\n').at(-1) ?? '[]') as string[];
  expect(resources.filter((r) => r === 'Timeout' || r === 'Immediate')).toEqual([]);
});

it('closes with reason "timeout" when the peer process is killed without a goodbye', async () => {
  const child = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const link = createLink<{ state: { n: number } }>({ initiator: true, heartbeatIntervalMs: 200, heartbeatTimeoutMs: 1500 });
  try {
    let childOpen = false;
    createInterface({ input: child.stdout }).on('line', (line) => {
      const message = JSON.parse(line) as { signal?: Parameters<typeof link.signal>[0]; open?: boolean };
      if (message.signal !== undefined) link.signal(message.signal);
      if (message.open === true) childOpen = true;
    });
    link.on('signal', (signal) => child.stdin.write(`${JSON.stringify({ signal })}\n`));
    await waitFor(link, 'open');
    await until(() => childOpen, 'the child link is open');

    let echoed = -1;
    link.state.onMessage(({ payload }) => (echoed = payload.n));
    await until(() => {
      link.state.send({ n: 1 });
      return echoed === 1;
    }, 'state echoed by the other process');

    const closed = waitFor(link, 'close');
    child.kill('SIGKILL');
    const event = await closed;
    expect(event.reason).toBe('timeout');
    expect(event.error).toBeInstanceOf(HeartbeatTimeoutError);
  } finally {
    link.close();
    child.kill('SIGKILL');
  }
});
