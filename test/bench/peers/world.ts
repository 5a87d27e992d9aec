/**
 * Where the peers.* benchmarks run: a network namespace of its own (one address on a veth
 * interface, all traffic over its loopback), so nftables there counts every byte on the wire
 * without the machine's own traffic mixed in. Inside it: our
 * lobby server (serving the pages), the other libraries' servers (servers.ts), and two Chromium
 * browsers, `a` (the sender, whose CPU is measured) and `b`; in an impaired world b sits in a
 * second namespace behind a user-space router that adds delay and loss (see WorldOptions).
 *
 * Root only (network namespaces and nftables), like the network lab: CI runs as root.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { colyseusLite } from '../../../packages/lobby/colyseus-lite.mjs';
import { bundleForNode } from '../../../scripts/bundle-node.mjs';
import { startServer, type ServerProcess } from '../../helpers/lobby-server.js';
import { launchChromiumInNamespace } from '../../helpers/netlab/browser.js';
import { labUnavailable, sh } from '../../helpers/netlab/lab.js';
import { repoRoot } from '../../helpers/repo.js';
import type { Counts, EndpointCall, Freshness } from './endpoint.js';
import type { PeerBenchWindow } from './page.js';

/** Each library and the page that uses it; `ours_node` and `geckos` pair a page with a Node end. */
export const LIBRARIES = ['ours', 'simple_peer', 'peerjs', 'socketio', 'ours_node', 'geckos'] as const;
export type Library = (typeof LIBRARIES)[number];
/** Whom each is compared with: ours between two pages, ours with a Node end beside geckos.io. */
export const RIVALS: Record<string, { ours: Library; theirs: Library }> = {
  simple_peer: { ours: 'ours', theirs: 'simple_peer' },
  peerjs: { ours: 'ours', theirs: 'peerjs' },
  socketio: { ours: 'ours', theirs: 'socketio' },
  geckos: { ours: 'ours_node', theirs: 'geckos' },
};
const PAGE_OF: Record<Library, string> = { ours: 'ours', ours_node: 'ours', simple_peer: 'simple-peer', peerjs: 'peerjs', socketio: 'socketio', geckos: 'geckos' };

const ADDRESS = '10.77.0.1';
/** The two ends of the impaired path: in the main namespace, and in the far one. */
const NEAR_ADDRESS = '10.78.0.1';
const FAR_ADDRESS = '10.78.0.2';

/** One end of a pair, driven by method name. */
export interface End {
  call(call: EndpointCall): Promise<unknown>;
}
export const ping = (end: End, count: number, size: number) => end.call({ method: 'ping', args: [count, size] }) as Promise<number[]>;
export const counted = (end: End) => end.call({ method: 'counted', args: [] }) as Promise<Counts>;
export const watch = (end: End, ms: number, graceMs: number) => end.call({ method: 'watch', args: [ms, graceMs] }) as Promise<Freshness>;

export interface Pair {
  library: Library;
  /** The page that sends (in browser a). */
  a: End;
  /** The other end: a page in browser b, or the Node process. */
  b: End;
  /** Navigation start of the first page to the moment both ends could send, ms. */
  connectMs: number;
  /**
   * Navigation start of the first page to the first message delivered: each end sends one small
   * event the moment it can send, and the first to arrive (either way) counts. NaN if none did.
   */
  firstMessageMs: number;
  /**
   * When each page reached each step of connecting (`a.loaded`, `b.in room`, ...), ms from the
   * first navigation start; `direct`: both ends on the library's direct path (a pair is handed
   * out only then, so the other benchmarks measure that path).
   */
  marks: Record<string, number>;
  close(): Promise<void>;
}

export interface World {
  /** A new pair of `library`, its pages loaded from scratch. */
  pair(library: Library, mode: 'unreliable' | 'default'): Promise<Pair>;
  /** Bytes on the wire (IP, both directions) so far: all UDP, and TCP to or from the socket.io relay. */
  wireBytes(): { udp: number; relayTcp: number };
  /** Conditions on the path between browser b and the rest (an `impaired` world only). */
  impair(conditions: { delayMs: number; lossPercent: number }): void;
  /** CPU time of browser a's processes so far, ms. */
  senderCpuMs(): number;
  close(): Promise<void>;
}

async function buildPages(): Promise<string> {
  const root = repoRoot();
  const out = join(root, `node_modules/.cache/rallypoint/peers-pages-${process.pid}`);
  mkdirSync(out, { recursive: true });
  const pages = [...new Set(Object.values(PAGE_OF))];
  await build({
    entryPoints: Object.fromEntries(pages.map((page) => [page, join(root, `test/bench/peers/page-${page}.ts`)])),
    outdir: out,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // As a game ships it: minified, and our packages as their builds make them (no DEV checks,
    // colyseus.js as the lobby's browser build bundles it; no other page uses colyseus.js).
    minify: true,
    conditions: ['source'],
    dropLabels: ['DEV'],
    plugins: [colyseusLite()],
    // simple-peer needs Node's Buffer and process: their browser ports, in its page only (a page
    // that names neither gets nothing of them).
    inject: [join(root, 'test/bench/simple-peer-shims.js')],
    define: { global: 'globalThis' },
    logLevel: 'warning',
  });
  for (const page of pages) writeFileSync(join(out, `${page}.html`), `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="/${page}.js"></script>`);
  return out;
}

/** The Node servers' process and its JSON-lines calls. */
async function startNodeServers(ns: string): Promise<{ ports: Record<'peerjs' | 'socketio' | 'geckos', number>; request(body: object): Promise<unknown>; child: ChildProcess }> {
  const file = await bundleForNode(join(repoRoot(), 'test/bench/peers/servers.ts'), `peers-servers-${process.pid}`);
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, file], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 1;
  const ports = await new Promise<Record<'peerjs' | 'socketio' | 'geckos', number>>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`peers servers exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let message: { ports?: Record<'peerjs' | 'socketio' | 'geckos', number>; id?: number; result?: unknown; error?: string };
      try {
        message = JSON.parse(line) as typeof message;
      } catch {
        return; // a library's own log line
      }
      if (message.ports !== undefined) return resolve(message.ports);
      const pending = waiting.get(message.id ?? -1);
      if (pending === undefined) return;
      waiting.delete(message.id!);
      if (message.error !== undefined) pending.reject(new Error(message.error));
      else pending.resolve(message.result);
    });
  });
  return {
    ports,
    child,
    request(body) {
      const id = nextId++;
      child.stdin!.write(`${JSON.stringify({ id, ...body })}\n`);
      return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
    },
  };
}

/** Every process now: its parent, command name and CPU ticks (user + system), from /proc. */
function processes(): Map<number, { ppid: number; comm: string; ticks: number }> {
  const out = new Map<number, { ppid: number; comm: string; ticks: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // Fields after the parenthesised command name: state ppid ... utime(14) stime(15), 1-based.
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    out.set(Number(name), { ppid: Number(fields[1]), comm: stat.slice(stat.indexOf('(') + 1, close), ticks: Number(fields[11]) + Number(fields[12]) });
  }
  return out;
}

/** CPU time (user + system) of a process and all its descendants, ms. */
function treeCpuMs(rootPid: number): number {
  const all = processes();
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = all.get(p)?.ppid) if (p === rootPid) return true;
    return false;
  };
  let ticks = 0;
  for (const [pid, { ticks: t }] of all) if (inTree(pid)) ticks += t;
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

/** Our child processes that are Chromium. */
const chromiumChildren = (): number[] => [...processes()].filter(([, p]) => p.comm === 'chromium' && p.ppid === process.pid).map(([pid]) => pid);

const pageBench = (page: Page): End => ({
  call: (call) => page.evaluate((c) => (window as unknown as PeerBenchWindow).peerBench.call(c), call),
});

async function readyAt(page: Page, timeoutMs = 20_000): Promise<{ readyAt: number; timeOrigin: number }> {
  const handle = await page.waitForFunction(() => {
    const bench = (window as unknown as Partial<PeerBenchWindow>).peerBench;
    if (bench?.failure !== undefined) return { failure: bench.failure };
    return bench?.readyAt === undefined ? false : { readyAt: bench.readyAt, timeOrigin: bench.timeOrigin };
  }, null, { timeout: timeoutMs, polling: 5 });
  const value = (await handle.jsonValue()) as { failure?: string; readyAt: number; timeOrigin: number };
  if (value.failure !== undefined) throw new Error(`page failed to connect: ${value.failure}`);
  return value;
}

/** Longest wait for the first message once both ends could send. */
const FIRST_MESSAGE_TIMEOUT_MS = 5000;

/**
 * Waits for both ends to be on their direct path, and for the first message: sets `marks.direct`
 * and `firstMessageMs`, both from `origin` (the first navigation start, as a wall clock).
 */
async function settle(pair: Omit<Pair, 'firstMessageMs'>, origin: number): Promise<Pair> {
  const first = (end: End) => end.call({ method: 'firstEvent', args: [FIRST_MESSAGE_TIMEOUT_MS] }) as Promise<number>;
  const [firstAt, ...directAt] = await Promise.all([
    Promise.all([first(pair.a), first(pair.b)]).then((ats) => Math.min(...ats.filter((at) => !Number.isNaN(at)))),
    pair.a.call({ method: 'direct', args: [] }) as Promise<number>,
    pair.b.call({ method: 'direct', args: [] }) as Promise<number>,
  ]);
  return { ...pair, firstMessageMs: Number.isFinite(firstAt) ? firstAt - origin : NaN, marks: { ...pair.marks, direct: Math.max(...directAt) - origin } };
}

const marksOf = (page: Page): Promise<Record<string, number>> => page.evaluate(() => (window as unknown as PeerBenchWindow).peerBench.marks);

export interface WorldOptions {
  /**
   * Put browser b (and the pages of the Node pairs) in a second namespace, reached only through
   * a user-space router that can add delay and loss (`world.impair`): every pair then has one
   * impaired hop between its ends, whatever carries it (peer to peer, a relay, a server).
   */
  impaired?: boolean;
}

const IMPAIR_SCRIPT = join(repoRoot(), 'test/helpers/netlab/impair.py');

/** The far namespace behind impair.py, routed through it; `set` changes its delay and loss. */
async function impairedPath(ns: string, closers: (() => Promise<unknown> | void)[]): Promise<{ ns: string; set(conditions: { delayMs: number; lossPercent: number }): void }> {
  const farNs = `${ns}-far`;
  spawnSync('ip', ['netns', 'del', farNs]);
  sh(['ip', 'netns', 'add', farNs]);
  closers.push(() => void spawnSync('ip', ['netns', 'del', farNs]));
  const router = spawn('ip', ['netns', 'exec', ns, 'python3', IMPAIR_SCRIPT, 'tnear', 'tfar'], { stdio: ['pipe', 'pipe', 'inherit'] });
  closers.push(() => void router.stdin!.end());
  await new Promise<void>((resolve, reject) => {
    router.once('exit', (code) => reject(new Error(`impair.py exited with ${code} (python3 is needed)`)));
    createInterface({ input: router.stdout! }).once('line', () => resolve());
  });
  const run = (where: string, args: string[]) => sh(['ip', 'netns', 'exec', where, ...args]);
  sh(['ip', '-n', ns, 'link', 'set', 'tfar', 'netns', farNs]);
  run(ns, ['ip', 'addr', 'add', `${NEAR_ADDRESS}/24`, 'dev', 'tnear']);
  run(ns, ['ip', 'link', 'set', 'tnear', 'up']);
  run(farNs, ['ip', 'link', 'set', 'lo', 'up']);
  run(farNs, ['ip', 'addr', 'add', `${FAR_ADDRESS}/24`, 'dev', 'tfar']);
  run(farNs, ['ip', 'link', 'set', 'tfar', 'up']);
  run(farNs, ['ip', 'route', 'add', 'default', 'via', NEAR_ADDRESS]);
  return {
    ns: farNs,
    set: ({ delayMs, lossPercent }) => void router.stdin!.write(`${delayMs / 1000} ${lossPercent / 100}\n`),
  };
}

export async function openWorld(options: WorldOptions = {}): Promise<World> {
  const why = labUnavailable();
  if (why !== undefined) throw new Error(`peers.* run in a network namespace of their own: ${why}`);
  // The lab's prefix and pid, so a lab sweeps it up if this process dies without cleaning up.
  const ns = `rpl-${process.pid}-peers`;
  spawnSync('ip', ['netns', 'del', ns]);
  sh(['ip', 'netns', 'add', ns]);
  const inNs = (args: string[], input?: string) => sh(['ip', 'netns', 'exec', ns, ...args], input);
  const closers: (() => Promise<unknown> | void)[] = [() => void spawnSync('ip', ['netns', 'del', ns])];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await Promise.resolve(closer()).catch(() => {});
  };
  try {
    inNs(['ip', 'link', 'set', 'lo', 'up']);
    // An address on a real (non-loopback) interface, or Chromium gathers no candidates: a veth
    // pair with both ends inside (this kernel has no dummy interfaces). Traffic to it goes over lo.
    inNs(['ip', 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
    inNs(['ip', 'addr', 'add', `${ADDRESS}/24`, 'dev', 'v0']);
    inNs(['ip', 'link', 'set', 'v0', 'up']);
    inNs(['ip', 'link', 'set', 'v1', 'up']);
    // And a default route: without one Chromium thinks it is offline and gathers nothing.
    inNs(['ip', 'route', 'add', 'default', 'via', '10.77.0.2', 'dev', 'v0']);
    const pagesDir = await buildPages();
    closers.push(() => rmSync(pagesDir, { recursive: true, force: true }));
    const lobby: ServerProcess = await startServer(['--static', pagesDir], {}, 'warn', { netns: ns, host: ADDRESS });
    closers.push(() => lobby.stop());
    const node = await startNodeServers(ns);
    closers.push(() => void node.child.kill());
    const relayPort = node.ports.socketio;
    inNs(['nft', '-f', '-'], [
      'table inet peers {',
      '  counter udp_bytes {}',
      '  counter relay_bytes {}',
      '  chain count { type filter hook output priority 0; policy accept;',
      '    meta l4proto udp counter name "udp_bytes"',
      `    tcp sport ${relayPort} counter name "relay_bytes"`,
      `    tcp dport ${relayPort} counter name "relay_bytes"`,
      '  }',
      '}',
      '',
    ].join('\n'));
    const browserA = await launchChromiumInNamespace(ns);
    closers.push(() => browserA.close());
    // Playwright does not say which process is a browser: the launcher execs Chromium, so a's
    // main process is the one child of ours running it before b starts.
    const senderPid = chromiumChildren()[0];
    if (senderPid === undefined) throw new Error('cannot find the process of browser a');
    const far = options.impaired === true ? await impairedPath(ns, closers) : undefined;
    const browserB = await launchChromiumInNamespace(far?.ns ?? ns);
    closers.push(() => browserB.close());
    // Behind the impaired path, the Node pairs' pages go there too: across it from their Node end.
    const nodePairBrowser = far === undefined ? browserA : browserB;
    const pageUrl = (library: Library, role: 'a' | 'b', mode: string) =>
      `${lobby.url}/${PAGE_OF[library]}.html?role=${role}&mode=${mode}&lobby=${lobby.port}&peerjs=${node.ports.peerjs}&socketio=${relayPort}&geckos=${node.ports.geckos}`;
    const counter = (name: string): number => {
      const listed = JSON.parse(inNs(['nft', '-j', 'list', 'counter', 'inet', 'peers', name])) as { nftables: { counter?: { bytes: number } }[] };
      return listed.nftables.find((entry) => entry.counter !== undefined)?.counter?.bytes ?? NaN;
    };

    return {
      async pair(library, mode) {
        const contexts: BrowserContext[] = [];
        const page = async (browser: Browser) => {
          const context = await browser.newContext();
          contexts.push(context);
          const opened = await context.newPage();
          // A page's own errors say why a library did not connect.
          opened.on('pageerror', (error) => console.error(`[${library} page] ${error.message}`));
          opened.on('console', (message) => message.type() === 'error' && console.error(`[${library} page] ${message.text()}`));
          return opened;
        };
        const closePair = async () => {
          await Promise.all(contexts.map((c) => c.close()));
        };
        try {
          const a = await page(library === 'geckos' || library === 'ours_node' ? nodePairBrowser : browserA);
          // a's token goes to b the moment a publishes it, through functions the pages call:
          // pushed, not polled, so the benchmark adds as little as it can to the connect time.
          let publish!: (token: string) => void;
          const published = new Promise<string>((resolve) => (publish = resolve));
          await a.exposeFunction('benchPublish', (token: string) => publish(token));
          if (library === 'geckos' || library === 'ours_node') {
            await node.request({ forget: library });
            await a.goto(pageUrl(library, 'a', mode), { waitUntil: 'commit' });
            let nodeReadyAt = 0;
            if (library === 'ours_node') {
              // readyAt throws if the page fails before it publishes.
              const code = await Promise.race([published, readyAt(a).then(() => published)]);
              nodeReadyAt = (await node.request({ join: { lobby: lobby.url, code } })) as number;
            }
            const ready = await readyAt(a);
            const target = library;
            const b: End = { call: (call) => node.request({ target, call }) };
            const close = async () => {
              await closePair();
              await node.request({ forget: target });
            };
            return await settle({ library, a: pageBench(a), b, connectMs: Math.max(ready.readyAt, nodeReadyAt) - ready.timeOrigin, marks: await marksOf(a), close }, ready.timeOrigin);
          }
          const b = await page(browserB);
          await b.exposeFunction('benchToken', () => published);
          await Promise.all([a.goto(pageUrl(library, 'a', mode), { waitUntil: 'commit' }), b.goto(pageUrl(library, 'b', mode), { waitUntil: 'commit' })]);
          const [ra, rb] = await Promise.all([readyAt(a), readyAt(b)]);
          const origin = Math.min(ra.timeOrigin, rb.timeOrigin);
          const marks: Record<string, number> = {};
          for (const [side, p, r] of [['a', a, ra], ['b', b, rb]] as const) for (const [name, at] of Object.entries(await marksOf(p))) marks[`${side}.${name}`] = at + r.timeOrigin - origin;
          return await settle({ library, a: pageBench(a), b: pageBench(b), connectMs: Math.max(ra.readyAt, rb.readyAt) - origin, marks, close: closePair }, origin);
        } catch (error) {
          await closePair();
          throw new Error(`${library} (${mode}): ${(error as Error).message}`);
        }
      },
      wireBytes: () => ({ udp: counter('udp_bytes'), relayTcp: counter('relay_bytes') }),
      impair(conditions) {
        if (far === undefined) throw new Error('this world has no impaired path: openWorld({ impaired: true })');
        far.set(conditions);
      },
      senderCpuMs: () => treeCpuMs(senderPid),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
