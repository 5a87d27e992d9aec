/**
 * The network lab does what the other lab tests rely on: a cone NAT keeps one mapping for all
 * destinations, a symmetric one makes a new mapping for each, UDP blocking and loss drop what
 * they say, and a moved host has its new address only, and still gets out. Plain UDP from Node inside the namespaces.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, expect, it } from 'vitest';
import { createLab, labNamespaces, type Lab } from '../helpers/netlab/lab.js';
import { deadline } from '../helpers/wait.js';

let lab: Lab | undefined;
let recorder: ChildProcess | undefined;

afterEach(() => {
  recorder?.kill('SIGKILL');
  lab?.close();
  expect(labNamespaces().filter((name) => name.includes(`-${process.pid}-`))).toEqual([]);
});

/** A UDP listener on two ports in `pub`: what arrived, as `{ tag, from }`. */
async function record(l: Lab): Promise<Array<{ tag: string; from: string }>> {
  const seen: Array<{ tag: string; from: string }> = [];
  const script = `const d=require('dgram');for(const p of [5000,5001]){const s=d.createSocket('udp4');s.on('message',(m,r)=>console.log(JSON.stringify({tag:String(m),from:r.address+':'+r.port})));s.bind(p,'${l.publicAddress}',()=>{if(p===5001)console.log('{"ready":true}')})}`;
  recorder = l.spawn('pub', process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) =>
    createInterface({ input: recorder!.stdout! }).on('line', (line) => {
      const message = JSON.parse(line) as { ready?: true; tag: string; from: string };
      if (message.ready === true) resolve();
      else seen.push(message);
    }),
  );
  return seen;
}

/** From `host`, one socket bound to port 40000: one datagram per [tag, port]. */
function send(l: Lab, host: string, datagrams: Array<[string, number]>): void {
  const sends = datagrams.map(([tag, port]) => `s.send('${tag}',${port},'${l.publicAddress}')`).join(';');
  l.run(host, process.execPath, ['-e', `const s=require('dgram').createSocket('udp4');s.bind(40000,()=>{${sends};setTimeout(()=>s.close(),100)})`]);
}

async function arrived(seen: Array<{ tag: string }>, count: number): Promise<void> {
  const end = Date.now() + deadline(5000);
  while (seen.length < count && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

it('a cone NAT keeps one mapping (and the port) for every destination; a symmetric NAT does not', async () => {
  lab = createLab([
    { nat: 'cone', hosts: ['a'] },
    { nat: 'symmetric', hosts: ['b'] },
  ]);
  const seen = await record(lab);
  send(lab, 'a', [['a0', 5000], ['a1', 5001]]);
  send(lab, 'b', [['b0', 5000], ['b1', 5001]]);
  await arrived(seen, 4);
  const from = Object.fromEntries(seen.map((s) => [s.tag, s.from]));
  expect(from.a0).toBe('198.51.100.2:40000');
  expect(from.a1).toBe(from.a0);
  expect(from.b0?.startsWith('198.51.100.6:')).toBe(true);
  expect(from.b1?.startsWith('198.51.100.6:')).toBe(true);
  expect(from.b1).not.toBe(from.b0);
});

it('blocks UDP, drops the share of UDP it is told to, and moves a host to a new address', async () => {
  lab = createLab([{ nat: 'cone', hosts: ['a'] }]);
  const seen = await record(lab);
  lab.setHome(1, { udpBlocked: true });
  send(lab, 'a', [['blocked', 5000]]);
  lab.setHome(1, {});
  send(lab, 'a', [['open', 5001]]);
  await arrived(seen, 1);
  expect(seen.map((s) => s.tag)).toEqual(['open']);

  seen.length = 0;
  lab.setHome(1, { udpLossPercent: 50 });
  send(lab, 'a', Array.from({ length: 200 }, (_, i): [string, number] => [`n${i}`, 5000]));
  await new Promise((r) => setTimeout(r, 500));
  // Binomial(200, 0.5): outside 60..140 about once in 10^8 runs.
  expect(seen.length).toBeGreaterThan(60);
  expect(seen.length).toBeLessThan(140);

  const before = lab.address('a');
  const after = lab.moveHost('a');
  const addresses = lab.run('a', 'ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0']);
  expect(after).not.toBe(before);
  expect(addresses).toContain(`${after}/24`);
  expect(addresses).not.toContain(`${before}/24`);
  seen.length = 0;
  lab.setHome(1, {});
  send(lab, 'a', [['moved', 5001]]);
  await arrived(seen, 1);
  expect(seen.map((s) => s.tag)).toEqual(['moved']);
});
