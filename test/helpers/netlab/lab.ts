/**
 * A network lab of Linux network namespaces, for tests and benchmarks of what crosses a real
 * network: NAT, loss, blocked UDP, an address that changes. Root only (CI runs as root); needs
 * Debian's `iproute2` and `nftables` (and `coturn` for TURN, see ./coturn.ts).
 *
 *                         ┌──────────── pub ─────────────┐
 *                         │ 203.0.113.10 (lo): lobby, TURN│
 *                         └──┬─────────────────────────┬──┘
 *                 198.51.100.1/30                 198.51.100.5/30
 *                 198.51.100.2/30                 198.51.100.6/30
 *                  ┌── r1 (NAT) ──┐                ┌── r2 (NAT) ──┐
 *                  │ br 10.0.1.1  │                │ br 10.0.2.1  │
 *                  └──┬────────┬──┘                └──────┬───────┘
 *               10.0.1.10  10.0.1.11              10.0.2.10
 *                   h1a       h1b                    h2a
 *
 * `pub` is "the internet": it routes between the routers' WAN links and holds the public
 * address the lobby and coturn listen on. Each home is a router namespace doing NAT with
 * nftables onto its WAN link, with a bridge its hosts plug into. Every address is inside the
 * lab's own namespaces (TEST-NET and 10/8), so no traffic leaves the machine.
 *
 * NAT kinds, as the router's nftables `masquerade` maps them:
 * - `cone`: plain `masquerade`, which keeps the source port (endpoint-independent mapping;
 *   inbound is still filtered to flows the host started, so hole punching is needed);
 * - `symmetric`: `masquerade random,fully-random`, a new random port per destination
 *   (address- and port-dependent mapping): STUN's answer is useless to the other peer.
 *
 * Unsolicited packets from the WAN are dropped in the router's input hook, before conntrack
 * confirms an entry for them, as a home router does. Answering them (with ICMP) instead left an
 * entry holding the very address and port the host behind was about to send from, so the
 * router's next mapping took another port, and hole punching failed even between cone NATs.
 *
 * Knobs per home (`setHome`): UDP loss in percent (nftables `numgen random`, applied to UDP the
 * router forwards, each direction), UDP blocked entirely, and only some TCP ports let out. There is no added delay: `sch_netem`
 * does not load on this kernel (see `netemAvailable`), and the lab does without it.
 *
 * Cleanup: `close()` deletes every namespace (which kills nothing by itself: stop processes
 * first, `exec` returns them); a process exit handler does the same if a test forgot, and
 * creating a lab sweeps namespaces left by lab processes that no longer run.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';

export type NatKind = 'cone' | 'symmetric';

export interface HomeSpec {
  nat: NatKind;
  /** Host names in this home; each gets its own namespace on the home's LAN. */
  hosts: string[];
}

export interface HomeConditions {
  /** Share of forwarded UDP packets dropped, each direction, 0..100. @default 0 */
  udpLossPercent?: number;
  /** Drop all forwarded UDP (TCP still passes). @default false */
  udpBlocked?: boolean;
  /**
   * Let out only TCP connections to these ports, and no UDP at all: a hotel's or an office's
   * network that passes web traffic and little else. @default undefined (any port)
   */
  tcpPortsOnly?: readonly number[];
}

export const PUBLIC_ADDRESS = '203.0.113.10';
const PREFIX = 'rpl';

export interface Lab {
  /** Address of the public namespace, where the lobby and coturn listen. */
  readonly publicAddress: string;
  /** Namespace names: `pub`, or a host name as given in the specs. */
  ns(name: string): string;
  /** The LAN address of a host. */
  address(host: string): string;
  /** The address a home's router puts its hosts' traffic out on (homes count from 1). */
  wanAddress(home: number): string;
  /** Start a process inside a namespace (`ip netns exec`). */
  spawn(name: string, command: string, args: string[], options?: SpawnOptions): ChildProcess;
  /** Run a command inside a namespace and return its output; throws on failure. */
  run(name: string, command: string, args: string[], input?: string): string;
  /** Change one home's loss / UDP blocking, at once, for traffic already flowing too. */
  setHome(home: number, conditions: HomeConditions): void;
  /**
   * Give a host a new LAN address (the old one is removed): every flow it had now arrives from
   * elsewhere, as when a phone moves from Wi-Fi to mobile data. Returns the new address.
   */
  moveHost(host: string): string;
  /** Delete every namespace of the lab. Safe to call more than once. */
  close(): void;
}

/** Home N's router's side of its /30 WAN link (198.51.100.4(N-1)+2). */
const wanAddress = (home: number) => `198.51.100.${4 * (home - 1) + 2}`;

/** Runs a command and returns its output; throws, with its stderr, on failure. */
export function sh(args: string[], input?: string): string {
  const result = spawnSync(args[0] as string, args.slice(1), { input, encoding: 'utf8' });
  if (result.error !== undefined) throw new Error(`${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed (${result.status}): ${result.stderr.trim()}`);
  return result.stdout;
}

/** Namespaces of this machine whose names say they belong to a lab. */
export function labNamespaces(): string[] {
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  return out
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(`${PREFIX}-`));
}

/** Why a lab cannot run here, or undefined when it can. */
export function labUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the network lab needs root (network namespaces and nftables)';
  for (const command of ['ip', 'nft']) {
    if (spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0) return `missing ${command}: apt-get install -y ${command === 'ip' ? 'iproute2' : 'nftables'}`;
  }
  return undefined;
}

/** Whether `sch_netem` works here (it does not on the kernel this was built on). */
export function netemAvailable(): boolean {
  const ns = `${PREFIX}-netem-probe-${process.pid}`;
  try {
    sh(['ip', 'netns', 'add', ns]);
    sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    return spawnSync('ip', ['netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '10ms']).status === 0;
  } catch {
    return false;
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Deletes namespaces of labs whose process has gone (a test run that was killed). */
function sweepStale(): void {
  for (const name of labNamespaces()) {
    const pid = Number(name.split('-')[1]);
    if (Number.isInteger(pid) && pid !== process.pid && !pidAlive(pid)) spawnSync('ip', ['netns', 'del', name]);
  }
}

const openLabs = new Set<() => void>();
let exitHookInstalled = false;

let labCount = 0;
let vethCount = 0;
/** A temporary interface name, unique on this machine (at most 15 characters). */
const vethName = () => `rpl${process.pid % 100000}_${vethCount++}`;

export function createLab(homes: HomeSpec[]): Lab {
  const why = labUnavailable();
  if (why !== undefined) throw new Error(why);
  sweepStale();
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const close of openLabs) close();
    });
  }
  const id = `${PREFIX}-${process.pid}-${labCount++}`;
  const created: string[] = [];
  const hostAddress = new Map<string, { home: number; address: string; next: number }>();
  const hostNames = new Set(homes.flatMap((home) => home.hosts));
  if (hostNames.size !== homes.flatMap((home) => home.hosts).length || hostNames.has('pub')) throw new Error('host names must be unique and not "pub"');

  const nsName = (name: string): string => {
    if (name === 'pub') return `${id}-pub`;
    if (/^r\d+$/.test(name)) return `${id}-${name}`;
    if (!hostNames.has(name)) throw new Error(`no host ${name} in this lab`);
    return `${id}-h-${name}`;
  };
  const addNs = (ns: string) => {
    sh(['ip', 'netns', 'add', ns]);
    created.push(ns);
    sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
  };
  const inNs = (ns: string, args: string[], input?: string) => sh(['ip', 'netns', 'exec', ns, ...args], input);

  const close = () => {
    openLabs.delete(close);
    for (const ns of created.splice(0).reverse()) spawnSync('ip', ['netns', 'del', ns]);
  };
  openLabs.add(close);

  try {
    const pub = nsName('pub');
    addNs(pub);
    sh(['ip', '-n', pub, 'addr', 'add', `${PUBLIC_ADDRESS}/32`, 'dev', 'lo']);
    inNs(pub, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);

    homes.forEach((home, index) => {
      const n = index + 1;
      const router = nsName(`r${n}`);
      addNs(router);
      inNs(router, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
      // WAN: a /30 per home on pub's side.
      const pubSide = `198.51.100.${4 * index + 1}`;
      const wanSide = wanAddress(n);
      const [wan, pubEnd] = [vethName(), vethName()];
      sh(['ip', 'link', 'add', wan, 'type', 'veth', 'peer', 'name', pubEnd]);
      sh(['ip', 'link', 'set', wan, 'netns', router, 'name', 'wan']);
      sh(['ip', 'link', 'set', pubEnd, 'netns', pub, 'name', `home${n}`]);
      sh(['ip', '-n', router, 'addr', 'add', `${wanSide}/30`, 'dev', 'wan']);
      sh(['ip', '-n', pub, 'addr', 'add', `${pubSide}/30`, 'dev', `home${n}`]);
      sh(['ip', '-n', router, 'link', 'set', 'wan', 'up']);
      sh(['ip', '-n', pub, 'link', 'set', `home${n}`, 'up']);
      sh(['ip', '-n', router, 'route', 'add', 'default', 'via', pubSide]);
      // LAN: a bridge on the router, a veth per host.
      sh(['ip', '-n', router, 'link', 'add', 'br0', 'type', 'bridge']);
      sh(['ip', '-n', router, 'addr', 'add', `10.0.${n}.1/24`, 'dev', 'br0']);
      sh(['ip', '-n', router, 'link', 'set', 'br0', 'up']);
      home.hosts.forEach((host, h) => {
        const ns = nsName(host);
        addNs(ns);
        const [hostEnd, lanEnd] = [vethName(), vethName()];
        sh(['ip', 'link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', lanEnd]);
        sh(['ip', 'link', 'set', hostEnd, 'netns', ns, 'name', 'eth0']);
        sh(['ip', 'link', 'set', lanEnd, 'netns', router, 'name', `lan${h}`]);
        sh(['ip', '-n', router, 'link', 'set', `lan${h}`, 'master', 'br0']);
        sh(['ip', '-n', router, 'link', 'set', `lan${h}`, 'up']);
        const address = `10.0.${n}.${10 + h}`;
        sh(['ip', '-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
        sh(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
        sh(['ip', '-n', ns, 'route', 'add', 'default', 'via', `10.0.${n}.1`]);
        hostAddress.set(host, { home: n, address, next: 100 + h });
      });
      const masquerade = home.nat === 'symmetric' ? 'masquerade random,fully-random' : 'masquerade';
      inNs(
        router,
        ['nft', '-f', '-'],
        `table ip lab {
  chain knobs {}
  chain forward { type filter hook forward priority 0; policy accept; jump knobs; }
  chain input { type filter hook input priority 0; policy accept; iifname "wan" ct state new drop; }
  chain post { type nat hook postrouting priority 100; oifname "wan" ${masquerade}; }
}
`,
      );
    });
  } catch (error) {
    close();
    throw error;
  }

  return {
    publicAddress: PUBLIC_ADDRESS,
    ns: nsName,
    address(host) {
      const entry = hostAddress.get(host);
      if (entry === undefined) throw new Error(`no host ${host} in this lab`);
      return entry.address;
    },
    wanAddress(home) {
      if (!(Number.isInteger(home) && home >= 1 && home <= homes.length)) throw new RangeError(`no home ${home} in this lab`);
      return wanAddress(home);
    },
    spawn(name, command, args, options = {}) {
      return spawn('ip', ['netns', 'exec', nsName(name), command, ...args], options);
    },
    run(name, command, args, input) {
      return inNs(nsName(name), [command, ...args], input);
    },
    setHome(home, conditions) {
      const rules: string[] = [`flush chain ip lab knobs`];
      const ports = conditions.tcpPortsOnly;
      if (conditions.udpBlocked === true || ports !== undefined) rules.push('add rule ip lab knobs meta l4proto udp drop');
      if (ports !== undefined) {
        if (ports.length === 0 || !ports.every((port) => Number.isInteger(port) && port > 0 && port < 65536)) throw new RangeError('tcpPortsOnly lists one or more TCP ports, 1..65535');
        rules.push(`add rule ip lab knobs ct state new tcp dport != { ${ports.join(', ')} } drop`);
      }
      const loss = conditions.udpLossPercent ?? 0;
      if (!(loss >= 0 && loss <= 100)) throw new RangeError('udpLossPercent is 0..100');
      if (loss > 0) rules.push(`add rule ip lab knobs meta l4proto udp numgen random mod 100 < ${Math.round(loss)} drop`);
      inNs(nsName(`r${home}`), ['nft', '-f', '-'], `${rules.join('\n')}\n`);
      // Flows NATed before the change keep their mapping; that is what a real router does too.
    },
    moveHost(host) {
      const entry = hostAddress.get(host);
      if (entry === undefined) throw new Error(`no host ${host} in this lab`);
      const ns = nsName(host);
      const next = `10.0.${entry.home}.${entry.next++}`;
      // Old one first: removing a primary address also removes the secondaries of its subnet.
      sh(['ip', '-n', ns, 'addr', 'del', `${entry.address}/24`, 'dev', 'eth0']);
      sh(['ip', '-n', ns, 'addr', 'add', `${next}/24`, 'dev', 'eth0']);
      sh(['ip', '-n', ns, 'route', 'replace', 'default', 'via', `10.0.${entry.home}.1`]);
      // The router's mappings for the old address stay until they time out, matching nothing.
      entry.address = next;
      return next;
    },
    close,
  };
}
