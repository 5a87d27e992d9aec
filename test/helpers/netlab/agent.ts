/**
 * A player in a lab namespace, driven by the test over stdio: one JSON command per stdin line
 * (`{ id, cmd, ...args }`), one JSON answer per stdout line (`{ id, ok: true, value }` or
 * `{ id, ok: false, error }`). It plays through the real lobby with node-datachannel links.
 * Started by `startAgent` (./agents.ts); bundled for node so it runs outside vitest.
 */
import { createLobby, type RoomSession } from '@rallypoint/lobby/node';
import type { Link, LinkInit } from '@rallypoint/core';
import { nodeRtc } from '@rallypoint/core/node';
import { createInterface } from 'node:readline';
import { probeTurn } from './turn-probe.js';

type Game = { events: { n: { i: number }; hi: Record<string, never> }; state: { t: number } };

interface Command {
  id: number;
  cmd: string;
  [key: string]: unknown;
}

let session: RoomSession<Game> | undefined;
let startedAt = 0;
/** When `join` resolved, and the first `hi` from the other player (ms after it, and the transport it came by). */
let joinedAt = 0;
let firstHi: { ms: number; transport: string | null } | undefined;
const received: number[] = [];
let receivedState = 0;
/** Every transportChanged of the session's links, in order. */
const closes: string[] = [];
/** Members who left (`memberLeft`), with the reason and when (performance.now()), and the session's error events. */
const departures: Array<{ id: string; reason: string; atMs: number }> = [];
const sessionErrors: string[] = [];
/** Members seen away (`memberChanged` with `away`), and when. */
const aways: Array<{ id: string; atMs: number }> = [];
const transportChanges: Array<{ transport: string; previous: string; reason: string; atMs: number }> = [];
/** The links' races (connections.ts's debug lines about them), ms after join. */
const races: Array<{ message: string; atMs: number; [key: string]: unknown }> = [];

const write = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);

function link(): Link<Game> {
  const first = session?.links.values().next().value;
  if (first === undefined) throw new Error('no link');
  return first;
}

async function join(args: Command): Promise<unknown> {
  const lobby = createLobby<Game>({
    url: args.url as string,
    link: {
      ...(args.link as Partial<LinkInit> | undefined),
      // `racesDtls: false`: node-datachannel's links without DTLS races, for the benchmark's baseline.
      ...(args.racesDtls === false && { rtc: { ...nodeRtc, racesDtls: false } }),
    },
    logger: {
      debug: (data, message) => {
        if (/^rac/.test(message)) races.push({ ...data, message, atMs: performance.now() - startedAt });
      },
      warn: (data, message) => process.stderr.write(`${message} ${JSON.stringify(data)}\n`) },
    ...(args.iceTransportPolicy === undefined ? {} : { iceTransportPolicy: args.iceTransportPolicy as RTCIceTransportPolicy }),
    ...(args.relay === undefined ? {} : { relay: args.relay as 'auto' | 'off' | 'always' }),
  });
  startedAt = performance.now();
  session = args.code === undefined ? await lobby.create({ name: 'lab' }) : await lobby.join(args.code as string, { name: 'lab' });
  joinedAt = performance.now();
  // The host greets each newcomer at once, link open or not (the session queues it).
  if (args.code === undefined) session.on('memberJoined', (member) => session?.emit('hi', {}, member.id));
  session.on('linkOpen', ({ link: opened }) => {
    opened.events.on('hi', () => (firstHi ??= { ms: performance.now() - joinedAt, transport: opened.transport }));
    opened.events.on('n', ({ i }) => received.push(i));
    opened.state.onMessage(() => receivedState++);
    opened.on('transportChanged', (change) => transportChanges.push({ ...change, atMs: performance.now() - startedAt }));
  });
  session.on('linkClose', ({ reason }) => closes.push(reason));
  session.on('memberLeft', ({ member, reason }) => departures.push({ id: member.id, reason, atMs: performance.now() }));
  session.on('memberChanged', (member) => member.away === true && aways.push({ id: member.id, atMs: performance.now() }));
  session.on('error', ({ error }) => sessionErrors.push(`${error.name}: ${error.message}`));
  session.on('linkFailed', ({ peerId, attempts, reason }) => process.stderr.write(`link to ${peerId} failed ${attempts}× (${reason})\n`));
  return { code: session.code, me: session.me.id };
}

/** Resolves with how the first link opened, or rejects after `timeoutMs`. */
async function waitOpen(args: Command): Promise<unknown> {
  const timeoutMs = (args.timeoutMs as number | undefined) ?? 30_000;
  const end = performance.now() + timeoutMs;
  for (;;) {
    const open = [...(session?.links.values() ?? [])].find((l) => l.status === 'open');
    if (open !== undefined) {
      const openedAfterMs = performance.now() - startedAt;
      // How it opened (relay first: the lobby relay), before it may move on.
      const transport = open.transport;
      // The candidate type comes from getStats once ICE is connected: give it a moment.
      for (let i = 0; i < 50 && transport !== 'relay' && open.stats().candidateType === null; i++) await new Promise((r) => setTimeout(r, 20));
      return { openedAfterMs, candidateType: open.stats().candidateType, transport };
    }
    if (performance.now() > end) throw new Error(`no open link within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Polls `check` every 20 ms until it gives a value, or throws after `timeoutMs`. */
async function poll<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (performance.now() > end) throw new Error(`${what} not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const commands: Record<string, (args: Command) => Promise<unknown> | unknown> = {
  /** The host's `hi`, once here: ms from this side's join resolving, and the transport it came by. */
  firstEvent: (args) => poll(() => firstHi, (args.timeoutMs as number | undefined) ?? 10_000, 'the first event'),
  /** Waits until the link travels by `transport`; resolves with its candidate type then, and when (ms after join). */
  async waitTransport(args) {
    const open = await poll(() => (session?.links.values().next().value?.transport === args.transport ? link() : undefined), (args.timeoutMs as number | undefined) ?? 30_000, `transport ${String(args.transport)}`).catch((error: unknown) => {
      // Say where it is instead, and how it got there.
      const now = session?.links.values().next().value;
      throw new Error(`${(error as Error).message} (on ${now?.transport ?? 'no link'}, ${now?.stats().candidateType ?? 'no'} candidate; changes ${JSON.stringify(transportChanges)}; races ${JSON.stringify(races)}; closes ${JSON.stringify(closes)})`);
    });
    const afterMs = performance.now() - joinedAt;
    for (let i = 0; i < 50 && open.transport !== 'relay' && open.stats().candidateType === null; i++) await new Promise((r) => setTimeout(r, 20));
    return { afterMs, candidateType: open.stats().candidateType };
  },
  turnProbe: (args) => probeTurn(args.host as string, args.port as number, args.username as string, args.credential as string),
  join,
  waitOpen,
  stats: () => link().stats(),
  /** The transport changes seen so far (see `transportChanged`), and the links' close events. */
  transports: () => ({ changes: transportChanges, closes, transport: session?.links.values().next().value?.transport ?? null }),
  /** Who left so far and why, ms ago, and every error event the session has emitted. */
  departures: () => ({ left: departures.map((d) => ({ ...d, msAgo: performance.now() - d.atMs })), away: aways.map((a) => ({ ...a, msAgo: performance.now() - a.atMs })), errors: sessionErrors }),
  /** The races of this side's links so far (see `races`). */
  races: () => races,
  /** Sends `count` numbered events, respecting the lane's queue, then resolves. */
  async sendEvents(args) {
    const count = args.count as number;
    const l = link();
    for (let i = 0; i < count; i++) {
      while (l.events.bufferedAmount > 1024 * 1024) await new Promise((r) => setTimeout(r, 5));
      l.events.emit('n', { i });
    }
    return { sent: count };
  },
  /** Sends state at `hz` for `ms`. */
  async sendState(args) {
    const l = link();
    const every = 1000 / (args.hz as number);
    const end = performance.now() + (args.ms as number);
    let sent = 0;
    while (performance.now() < end) {
      l.state.send({ t: sent++ });
      await new Promise((r) => setTimeout(r, every));
    }
    return { sent };
  },
  /**
   * Numbered events every `everyMs` for `ms`, to every open link of the session (none while no
   * link is open: those numbers are never sent). Resolves with how many numbers were used.
   */
  async stream(args) {
    const end = performance.now() + (args.ms as number);
    let i = 0;
    while (performance.now() < end) {
      session?.emit('n', { i: i++ });
      await new Promise((r) => setTimeout(r, args.everyMs as number));
    }
    return { numbers: i };
  },
  /**
   * What arrived on the events lane: count, and whether it is exactly 0..n-1 in order (from
   * index `from` on, when given: a second stream after a first).
   */
  received(args) {
    const from = (args.from as number | undefined) ?? 0;
    const inOrder = received.slice(from).every((value, index) => value === index);
    const tail = received.slice(from);
    const distinct = new Set(tail).size;
    return { count: received.length, inOrder, duplicates: tail.length - distinct, state: receivedState };
  },
  async leave() {
    await session?.leave();
    return {};
  },
};

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as Command;
  const handler = commands[command.cmd];
  Promise.resolve()
    .then(() => {
      if (handler === undefined) throw new Error(`unknown command ${command.cmd}`);
      return handler(command);
    })
    .then(
      (value) => write({ id: command.id, ok: true, value }),
      (error: unknown) => write({ id: command.id, ok: false, error: String((error as Error)?.message ?? error) }),
    );
});
process.stdin.on('end', () => process.exit(0));
