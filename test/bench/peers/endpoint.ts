/**
 * One end of a peers.* benchmark pair, the same code in a Chromium page and in Node: it measures
 * over a library's `Lanes` (how each library's driver maps its channels onto "state" and
 * "events") and is driven by the benchmark through plain JSON calls.
 *
 * Every message starts with the sender's wall clock (`performance.timeOrigin + now()`, as a
 * float64), so the receiver can age it: both ends run on one machine and share its clock.
 */

/** How a library's channels carry the two kinds of game traffic. */
export interface Lanes {
  /** The library's unreliable lane where it has one, else its default channel. */
  sendState(bytes: Uint8Array): void;
  /** The library's reliable, ordered lane (or its default channel). */
  sendEvent(bytes: Uint8Array): void;
  onState(fn: (bytes: Uint8Array) => void): void;
  onEvent(fn: (bytes: Uint8Array) => void): void;
  /** Bytes queued to go out on each, where the library lets a sender see it (else 0). */
  stateBuffered(): number;
  eventBuffered(): number;
  /**
   * Resolves once the lanes travel the library's direct path, for libraries that can start
   * elsewhere (ours opens on the lobby relay and moves); the others are there from the start.
   */
  direct?(): Promise<void>;
}

export const wallClock = (): number => performance.timeOrigin + performance.now();

/** Keep this much or less waiting in a channel's buffer when sending as fast as allowed. */
const HIGH_WATER_BYTES = 256 * 1024;
const macrotask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function stamped(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  new DataView(bytes.buffer).setFloat64(0, wallClock());
  return bytes;
}
const stampOf = (bytes: Uint8Array): number => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getFloat64(0);

export interface Counts {
  stateMessages: number;
  stateBytes: number;
  eventMessages: number;
  eventBytes: number;
  ms: number;
}

export interface Freshness {
  /** Age of the newest state received, sampled every 5 ms, in ms. */
  stateAgeMs: number[];
  /** Send-to-arrival time of each event, in ms. */
  eventLatencyMs: number[];
  statesReceived: number;
  eventsReceived: number;
}

const noCounts = (): Counts => ({ stateMessages: 0, stateBytes: 0, eventMessages: 0, eventBytes: 0, ms: 0 });

export class Endpoint {
  #echo = false;
  #counts = noCounts();
  #countFrom = 0;
  #newestStateStamp = NaN;
  #eventLatencies: number[] | null = null;
  #onceState: ((bytes: Uint8Array) => void) | null = null;
  /** Wall clock of the first event that arrived; see `firstEvent`. */
  #firstEventAt: number | undefined;
  #firstEventWaiters: Array<(at: number) => void> = [];

  constructor(readonly lanes: Lanes) {
    lanes.onState((bytes) => {
      this.#counts.stateMessages++;
      this.#counts.stateBytes += bytes.byteLength;
      const stamp = stampOf(bytes);
      if (!(stamp <= this.#newestStateStamp)) this.#newestStateStamp = stamp;
      if (this.#echo) lanes.sendState(bytes);
      const once = this.#onceState;
      this.#onceState = null;
      once?.(bytes);
    });
    lanes.onEvent((bytes) => {
      if (this.#firstEventAt === undefined) {
        const at = (this.#firstEventAt = wallClock());
        for (const resolve of this.#firstEventWaiters.splice(0)) resolve(at);
      }
      this.#counts.eventMessages++;
      this.#counts.eventBytes += bytes.byteLength;
      this.#eventLatencies?.push(wallClock() - stampOf(bytes));
      if (this.#echo) lanes.sendEvent(bytes);
    });
  }

  /** The first message a game would send: one small event, sent the moment this end can send. */
  greet(): void {
    this.lanes.sendEvent(stamped(16));
  }

  /** Wall clock when the first event arrived here (waits up to `timeoutMs` for it; NaN if none came). */
  firstEvent(timeoutMs: number): Promise<number> {
    if (this.#firstEventAt !== undefined) return Promise.resolve(this.#firstEventAt);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(NaN), timeoutMs);
      this.#firstEventWaiters.push((at) => (clearTimeout(timer), resolve(at)));
    });
  }

  /** Resolves with the wall clock once the lanes travel the library's direct path. */
  async direct(): Promise<number> {
    await this.lanes.direct?.();
    return wallClock();
  }

  echo(on: boolean): void {
    this.#echo = on;
  }

  /** `count` sequential state-lane round trips of `size` bytes against an echoing end, in ms; lost pings time out after 1 s and are left out. */
  async ping(count: number, size: number): Promise<number[]> {
    const samples: number[] = [];
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      const answered = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 1000);
        this.#onceState = () => (clearTimeout(timer), resolve(true));
        this.lanes.sendState(stamped(size));
      });
      if (answered) samples.push(performance.now() - t0);
    }
    this.#onceState = null;
    return samples;
  }

  /** Starts counting what arrives. */
  count(): void {
    this.#counts = noCounts();
    this.#countFrom = performance.now();
  }

  counted(): Counts {
    return { ...this.#counts, ms: performance.now() - this.#countFrom };
  }

  /** Sends `size`-byte messages on a lane for `ms`, as fast as the lane's buffer allows; returns how many. */
  async blast(lane: 'state' | 'events', size: number, ms: number): Promise<number> {
    const [send, buffered] = lane === 'state' ? [(b: Uint8Array) => this.lanes.sendState(b), () => this.lanes.stateBuffered()] : [(b: Uint8Array) => this.lanes.sendEvent(b), () => this.lanes.eventBuffered()];
    const end = performance.now() + ms;
    let sent = 0;
    while (performance.now() < end) {
      // At most 256 messages between looks at the clock and the buffer, then yield to the network.
      for (let i = 0; i < 256 && buffered() < HIGH_WATER_BYTES; i++, sent++) send(stamped(size));
      await macrotask();
    }
    return sent;
  }

  /** Sends state at `perSecond` for `ms` in 10 ms batches (the same work for every library). */
  async pace(perSecond: number, size: number, ms: number): Promise<number> {
    const t0 = performance.now();
    let sent = 0;
    while (performance.now() - t0 < ms) {
      const due = Math.floor(((performance.now() - t0) / 1000) * perSecond);
      for (; sent < due; sent++) this.lanes.sendState(stamped(size));
      await sleep(10);
    }
    return sent;
  }

  /** A game's traffic: `stateHz` states of `stateSize` bytes and `eventHz` small events, for `ms`. */
  async stream(stateHz: number, stateSize: number, eventHz: number, ms: number): Promise<void> {
    const t0 = performance.now();
    let states = 0;
    let events = 0;
    while (performance.now() - t0 < ms) {
      const elapsed = (performance.now() - t0) / 1000;
      for (; states < Math.floor(elapsed * stateHz); states++) this.lanes.sendState(stamped(stateSize));
      for (; events < Math.floor(elapsed * eventHz); events++) this.lanes.sendEvent(stamped(16));
      await sleep(2);
    }
  }

  /**
   * Watches what `stream` sends for `ms`: the age of the newest state every 5 ms, and each
   * event's latency, counting events that arrive up to `graceMs` after (those sent last).
   */
  async watch(ms: number, graceMs: number): Promise<Freshness> {
    this.#newestStateStamp = NaN;
    this.#eventLatencies = [];
    this.count();
    const stateAgeMs: number[] = [];
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
      await sleep(5);
      if (!Number.isNaN(this.#newestStateStamp)) stateAgeMs.push(wallClock() - this.#newestStateStamp);
    }
    await sleep(graceMs);
    const eventLatencyMs = this.#eventLatencies;
    this.#eventLatencies = null;
    return { stateAgeMs, eventLatencyMs, statesReceived: this.#counts.stateMessages, eventsReceived: this.#counts.eventMessages };
  }
}

/** What the benchmark may call on an end, by name, with JSON arguments. */
export type EndpointCall =
  | { method: 'echo'; args: [boolean] }
  | { method: 'firstEvent'; args: [number] }
  | { method: 'direct'; args: [] }
  | { method: 'ping'; args: [number, number] }
  | { method: 'count'; args: [] }
  | { method: 'counted'; args: [] }
  | { method: 'blast'; args: ['state' | 'events', number, number] }
  | { method: 'pace'; args: [number, number, number] }
  | { method: 'stream'; args: [number, number, number, number] }
  | { method: 'watch'; args: [number, number] };

export function callEndpoint(endpoint: Endpoint, call: EndpointCall): Promise<unknown> {
  const method = endpoint[call.method] as (...args: unknown[]) => unknown;
  return Promise.resolve(method.apply(endpoint, call.args));
}
