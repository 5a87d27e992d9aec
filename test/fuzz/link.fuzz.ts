/**
 * Fuzz a link: a hostile peer writes generated frames straight into its raw data channels (random
 * and mutated bytes, valid frames of every kind with random fields, fragment bombs, extreme
 * sequence numbers and timestamps, hellos after open, pointer DAGs, nesting bombs, foreign
 * extensions, text), between honest events and requests of its own. The victim must never throw,
 * must deliver every honest event exactly once and in order, and keep its memory bounded.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FrameKind, type Lane, type LinkTypes } from '@rallypoint/core';
import { Unpackr } from 'msgpackr';
import { round } from '../bench/harness.js';
import { createLinkPair } from '../helpers/pair.js';
import { createFrameSource, type FrameSource } from './frames.js';

type Game = { events: { honest: { nonce: string; n: number } }; requests: { echo: { request: number; response: number } }; state: { n: number } } & LinkTypes;

export interface LinkFuzzOptions {
  frames: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface LinkFuzzReport {
  frames: number;
  /** Errors the victim reported, by name. */
  errors: Record<string, number>;
  badInput: number;
  honestSent: number;
  honestReceived: number;
  honestInOrder: boolean;
  requestsAnswered: number;
  linkOpen: boolean;
  /** Exceptions that escaped to the process while fuzzing (must be 0). */
  uncaught: number;
  heapMaxMb: number;
  stallMaxMs: number;
  seconds: number;
}

const peek = new Unpackr({ mapsAsObjects: true, structuredClone: false });
/** A goodbye would legitimately end the link: the fuzzer does not send one. */
function isGoodbye(bytes: Uint8Array): boolean {
  try {
    const value = peek.unpack(bytes) as unknown;
    return Array.isArray(value) && value[0] === FrameKind.Bye;
  } catch {
    return false; // not decodable by a plain decoder: certainly no goodbye
  }
}

function hostileFrame(source: FrameSource): [Lane, Uint8Array | string] {
  const { int, pick, pack, value, oddNumber } = source;
  const u32 = () => (source.random() < 0.3 ? pick([0, 0xffff_ffff, 0x8000_0000]) : int(0x1_0000_0000));
  switch (int(14)) {
    case 0: return [pick(['events', 'state'] as const), source.bytes(int(400))];
    case 1: return ['events', source.mutate(pack([FrameKind.Event, pick(['hit', 'chat', 'x']), value(4)]))];
    case 2: return ['events', pack([FrameKind.Request, u32(), pick(['echo', 'nope', 'x'.repeat(int(300))]), value(3)])];
    case 3: return ['events', pack([FrameKind.Response, u32(), source.random() < 0.5, source.random() < 0.5 ? value(2) : ['handler-failed', 'x'.repeat(int(500))]])];
    case 4: return ['events', pack([FrameKind.Fragment, int(16), pick([0, int(5), u32()]), pick([2, int(10), u32()]), source.bytes(int(2000))])];
    case 5: return ['events', pack([FrameKind.Hello, pick([1, 2, oddNumber()]), pick([[], [['a']], value(2)]), pick([0, 10, 65536, oddNumber()]), oddNumber(), u32()])];
    case 6: return ['state', pack([pick([FrameKind.State, FrameKind.Ping, FrameKind.Pong]), u32(), u32(), source.random() < 0.5 ? u32() : value(3)])];
    case 7: return ['state', source.mutate(pack([FrameKind.State, u32(), u32(), { n: int(100) }]))];
    case 8: return [pick(['events', 'state'] as const), Uint8Array.from([0x93, FrameKind.Event, 0xa1, 0x78, ...source.dag(20 + int(30), 3 + int(4), source.random() < 0.5)])];
    case 9: return [pick(['events', 'state'] as const), Uint8Array.from([0x93, FrameKind.Event, 0xa1, 0x78, ...source.nested(int(5000), source.random() < 0.5)])];
    case 10: return ['events', Uint8Array.from([0x93, FrameKind.Event, 0xa1, 0x78, ...source.extension()])];
    case 11: return [pick(['events', 'state'] as const), 'text '.repeat(int(20))];
    case 12: {
      // Up to 200,000 one-byte empty maps in one frame.
      const maps = int(200_000);
      const bomb = new Uint8Array(9 + maps).fill(0x80);
      bomb.set([0x93, FrameKind.Event, 0xa1, 0x78, 0xdd, maps >>> 24, (maps >>> 16) & 0xff, (maps >>> 8) & 0xff, maps & 0xff]);
      return ['events', bomb];
    }
    default: return [pick(['events', 'state'] as const), pack([pick([0, 7, 15, 19, 99, -1, 'hello', null, 2n ** 40n]), value(2)])];
  }
}

export async function fuzzLink(options: LinkFuzzOptions): Promise<LinkFuzzReport> {
  const { frames, seed = 1, log = () => undefined } = options;
  const started = performance.now();
  const source = createFrameSource(seed);
  let uncaught = 0;
  const onUncaught = (error: unknown) => {
    uncaught++;
    log(`uncaught: ${String(error)}`);
  };
  process.on('uncaughtException', onUncaught);
  const pair = await createLinkPair<Game>();
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const errors: Record<string, number> = {};
  pair.b.on('error', (error) => (errors[error.name] = (errors[error.name] ?? 0) + 1));
  pair.b.events.handle('echo', (n) => n);
  const nonce = `honest-${seed}`;
  const received: number[] = [];
  pair.b.events.on('honest', (event) => {
    if (event?.nonce === nonce) received.push(event.n);
  });
  let heapMaxMb = process.memoryUsage().heapUsed / 2 ** 20;
  let nextLog = 10_000;
  let honestSent = 0;
  let requestsAnswered = 0;
  const requests: Promise<void>[] = [];
  try {
    for (let sent = 0; sent < frames; ) {
      for (let burst = 0; burst < 20 && sent < frames; burst++) {
        const [lane, bytes] = hostileFrame(source);
        if (lane === 'events' && typeof bytes !== 'string' && isGoodbye(bytes)) continue;
        pair.spyA.sendRaw(lane, bytes);
        sent++;
      }
      pair.a.events.emit('honest', { nonce, n: honestSent++ });
      pair.a.state.send({ n: honestSent });
      if (honestSent % 10 === 0) {
        const asked = honestSent;
        requests.push(
          pair.a.events.request('echo', asked).then(
            (answer) => void (answer === asked && requestsAnswered++),
            (error: unknown) => log(`request ${asked} failed: ${String(error)}`),
          ),
        );
      }
      heapMaxMb = Math.max(heapMaxMb, process.memoryUsage().heapUsed / 2 ** 20);
      // Let the channel drain: the fuzzer must not be the one running out of memory.
      while ((pair.spyA.channel('events')?.bufferedAmount ?? 0) > 1 << 20) await new Promise((r) => setTimeout(r, 2));
      await new Promise((r) => setImmediate(r));
      if (sent >= nextLog) {
        log(`${sent} frames`);
        nextLog += 10_000;
      }
    }
    await Promise.all(requests);
    const deadline = Date.now() + 20_000;
    while (received.length < honestSent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    heapMaxMb = Math.max(heapMaxMb, process.memoryUsage().heapUsed / 2 ** 20);
  } finally {
    loop.disable();
    process.off('uncaughtException', onUncaught);
  }
  const report: LinkFuzzReport = {
    frames,
    errors,
    badInput: pair.b.stats().events.badInput + pair.b.stats().state.badInput,
    honestSent,
    honestReceived: received.length,
    honestInOrder: received.every((n, i) => n === i),
    requestsAnswered,
    linkOpen: pair.a.status === 'open' && pair.b.status === 'open',
    uncaught,
    heapMaxMb: round(heapMaxMb, 1),
    stallMaxMs: round(loop.max / 1e6, 1),
    seconds: round((performance.now() - started) / 1000, 1),
  };
  pair.close();
  return report;
}
