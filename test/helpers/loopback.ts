/**
 * In-memory paths for fast tests of the link above them: a loopback "connection" (a `DirectPath`
 * that opens through the link's own signaling, carries both lanes with a buffered amount that
 * fills and drains, and dies when either side closes it or a test cuts it), and an in-memory
 * lobby relay (`LinkRelay`). Both deliver on later macrotasks, as real transports do; neither
 * loses anything unless a test says so. The path contract suite holds them to what the real
 * paths do (test/integration/path-contract.test.ts).
 */
import type { Lane, LinkRelay, RelayLane, RtcImplementation } from '@rallypoint/core';
import type { DirectPath, DirectPathFactory, DirectPathInit, LaneChannel, LinkSignal, PathHandlers } from '../../packages/core/src/paths/types.js';

/**
 * The `rtc` of a link on loopback connections: a link needs one to make direct paths at all, and
 * the loopback never calls it (nothing here touches WebRTC).
 */
export const loopbackRtc: RtcImplementation = {
  RTCPeerConnection: class {
    constructor() {
      throw new Error('a loopback link makes no RTCPeerConnection');
    }
  } as unknown as RtcImplementation['RTCPeerConnection'],
  RTCSessionDescription: null,
  RTCIceCandidate: null,
};

/** A real connection's events-channel low-water mark until the lanes move onto it (peer-path.ts). */
const INITIAL_EVENTS_LOW_WATER = 64 * 1024;

export interface LoopbackOptions {
  /** The largest message each end takes. @default 65536 */
  maxMessageSize?: number;
  /** Bytes each channel delivers per macrotask: what makes its buffer fill. @default 262144 */
  bytesPerTick?: number;
  /** How long a connection takes to open once both sides have signaled (ICE and DTLS, on a real one). @default 0 */
  openDelayMs?: number;
  /** Initiators' offers wait for `releaseOffers()` (a slow createOffer and gathering, on a real one). @default false */
  holdOffers?: boolean;
  /** One-way delay of every message on connections (set `latencyMs` on the network to change it). @default 0 */
  latencyMs?: number;
  /**
   * Connections that never open: `ice` ones never connect (no candidate pair works), `dtls` ones
   * connect (their ICE is up, the link hears `onConnected`) and stop there, as a DTLS handshake
   * waiting out a lost packet does. @default none
   */
  stuck?: (id: number, policy: RTCIceTransportPolicy) => 'ice' | 'dtls' | null;
}

type Side = 'a' | 'b';

/** One lane's channel of a loopback connection end. */
class LoopbackChannel implements LaneChannel {
  readyState: 'connecting' | 'open' | 'closed' = 'connecting';
  bufferedAmount = 0;
  bufferedAmountLowThreshold: number;
  readonly #queue: Array<Uint8Array | string> = [];

  constructor(
    readonly lane: Lane,
    private readonly end: LoopbackPath,
    lowWater: number,
  ) {
    this.bufferedAmountLowThreshold = lowWater;
  }

  send(data: Uint8Array<ArrayBuffer> | string): void {
    if (this.readyState !== 'open') throw new Error(`InvalidStateError: the ${this.lane} channel is ${this.readyState}`);
    const out = typeof data === 'string' ? data : this.end.network.outgoing(this.end.side, this.lane, data);
    if (out !== null) this.sendRaw(out);
  }

  /** Send as it is: past the test's rewriting of what this side sends (see LoopbackNetwork.taps). */
  sendRaw(data: Uint8Array | string): void {
    // A copy: the sender may reuse its buffer, as a real channel's send does not care.
    const copy = typeof data === 'string' ? data : new Uint8Array(data);
    this.#queue.push(copy);
    this.bufferedAmount += sizeOf(copy);
    this.end.network.schedule(this);
  }

  /** Hand up to `budget` bytes to the other end; true if more waits. */
  deliver(budget: number): boolean {
    const before = this.bufferedAmount;
    while (this.#queue.length > 0 && budget > 0 && this.readyState === 'open') {
      const data = this.#queue.shift()!;
      budget -= sizeOf(data);
      this.bufferedAmount -= sizeOf(data);
      this.end.peer()?.receive(this.lane, data);
    }
    if (before > this.bufferedAmountLowThreshold && this.bufferedAmount <= this.bufferedAmountLowThreshold) this.end.drained(this.lane);
    return this.#queue.length > 0 && this.readyState === 'open';
  }

  close(): void {
    this.readyState = 'closed';
    this.#queue.length = 0;
    this.bufferedAmount = 0;
  }
}

/** One end of a loopback connection: what a link's `Connections` makes in place of a `PeerPath`. */
export class LoopbackPath implements DirectPath {
  readonly kind = 'p2p';
  readonly id: number;
  readonly events: LoopbackChannel;
  readonly state: LoopbackChannel;
  readonly media = null;
  heard = false;
  #open = false;
  #dead = false;
  /** Nothing arrives here any more (a path gone silent, not closed). */
  silenced = false;

  constructor(
    readonly network: LoopbackNetwork,
    readonly side: Side,
    private readonly init: DirectPathInit,
    private readonly handlers: PathHandlers,
  ) {
    this.id = init.id;
    this.events = new LoopbackChannel('events', this, INITIAL_EVENTS_LOW_WATER);
    this.state = new LoopbackChannel('state', this, init.lowWaterMarks.state);
    network.add(this);
    if (init.initiator)
      network.offer(() => {
        this.#signal({ type: 'offer', loopback: this.id });
        this.gathered();
      });
  }

  get isOpen(): boolean {
    return this.#open && !this.#dead;
  }

  get isDead(): boolean {
    return this.#dead;
  }

  get remoteMaxMessageSize(): number {
    return this.network.maxMessageSize;
  }

  /** The ICE transport policy the link made this connection with. */
  get policy(): RTCIceTransportPolicy {
    return this.init.iceTransportPolicy;
  }

  signal(data: LinkSignal): void {
    if (this.#dead) return;
    if (data.type === 'offer' && !this.init.initiator) {
      setTimeout(() => {
        this.#signal({ type: 'answer', loopback: this.id });
        this.gathered();
      }, 0);
    } else if (data.type === 'answer' && this.init.initiator) this.network.connect(this.id);
  }

  /** Every local candidate is out (this end sent its offer or answer). */
  gathered(): void {
    if (!this.#dead) this.init.onDiagnostic({ kind: 'ice-gathering-state', state: 'complete' });
  }

  /** ICE connected: the link hears of it before the channels open. */
  connected(): void {
    if (!this.#dead) this.init.onConnected();
  }

  candidateType(): Promise<'host'> {
    return Promise.resolve('host');
  }

  useLinkLowWaterMark(): void {
    this.events.bufferedAmountLowThreshold = this.init.lowWaterMarks.events;
  }

  /** Close here; the other end sees its connection die once what was sent has arrived. */
  close(letGoodbyeOut = false): void {
    if (this.#dead) return;
    this.#dead = true;
    if (letGoodbyeOut) while (this.events.deliver(Infinity));
    this.events.close();
    this.state.close();
    const peer = this.peer();
    if (peer !== undefined) setTimeout(() => peer.die(), 0);
  }

  /** The connection failed or the other side closed: dead, and the link told. */
  die(error?: Error): void {
    if (this.#dead) return;
    this.close();
    this.handlers.dead(error);
  }

  /** The other end of this connection, if it exists. */
  peer(): LoopbackPath | undefined {
    return this.network.end(this.id, this.side === 'a' ? 'b' : 'a');
  }

  /** Both ends have signaled: the channels open, and the link hears of it. */
  opened(): void {
    if (this.#dead || this.#open) return;
    this.#open = true;
    this.events.readyState = this.state.readyState = 'open';
    this.handlers.open();
  }

  receive(lane: Lane, data: Uint8Array | string): void {
    const delayMs = this.network.latencyMs;
    if (delayMs > 0) setTimeout(() => this.#arrive(lane, data), delayMs);
    else this.#arrive(lane, data);
  }

  #arrive(lane: Lane, data: Uint8Array | string): void {
    if (this.#dead || this.silenced) return;
    this.heard = true;
    const mapped = lane === 'events' && typeof data !== 'string' ? this.network.incoming(this.side, data) : data;
    if (lane === 'events') this.handlers.events(mapped);
    else this.handlers.state(mapped);
  }

  drained(lane: Lane): void {
    if (!this.#dead) this.handlers.drain(lane);
  }

  #signal(signal: LinkSignal): void {
    if (!this.#dead) this.init.onSignal(signal);
  }
}

/**
 * Where loopback connections meet: connection `id` of side `a` pairs with connection `id` of side
 * `b`. A test makes one network per link pair and gives each link its side's `factory`.
 */
export class LoopbackNetwork {
  readonly maxMessageSize: number;
  /** One-way delay of every message on the network's connections, from now on. */
  latencyMs: number;
  readonly #bytesPerTick: number;
  readonly #openDelayMs: number;
  readonly #stuck: NonNullable<LoopbackOptions['stuck']>;
  #heldOffers: Array<() => void> | null;
  readonly #ends = new Map<number, { a?: LoopbackPath; b?: LoopbackPath }>();
  readonly #pending = new Set<LoopbackChannel>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  /**
   * A test's hooks on each side's traffic: what the side's link sends (rewritten, or dropped with
   * null) and what its events lane receives (see taps.ts).
   */
  readonly taps: Record<Side, { outgoing(lane: Lane, bytes: Uint8Array): Uint8Array | null; incoming(bytes: Uint8Array): Uint8Array } | null> = { a: null, b: null };

  constructor(options: LoopbackOptions = {}) {
    this.maxMessageSize = options.maxMessageSize ?? 64 * 1024;
    this.#bytesPerTick = options.bytesPerTick ?? 256 * 1024;
    this.#openDelayMs = options.openDelayMs ?? 0;
    this.#stuck = options.stuck ?? (() => null);
    this.#heldOffers = options.holdOffers === true ? [] : null;
    this.latencyMs = options.latencyMs ?? 0;
  }

  /** An initiator's offer goes out on a later macrotask, or waits while offers are held. */
  offer(send: () => void): void {
    if (this.#heldOffers === null) setTimeout(send, 0);
    else this.#heldOffers.push(send);
  }

  /** Let the held offers go, and those made from now on. */
  releaseOffers(): void {
    const held = this.#heldOffers ?? [];
    this.#heldOffers = null;
    for (const send of held) setTimeout(send, 0);
  }

  /** What a link on `side` makes its connections with (`createLinkWith(init, { createPath })`). */
  factory(side: Side): DirectPathFactory {
    return (init, handlers) => new LoopbackPath(this, side, init, handlers);
  }

  add(path: LoopbackPath): void {
    const ends = this.#ends.get(path.id) ?? {};
    ends[path.side] = path;
    this.#ends.set(path.id, ends);
  }

  end(id: number, side: Side): LoopbackPath | undefined {
    return this.#ends.get(id)?.[side];
  }

  /** The newest connection end of `side` still alive. */
  current(side: Side): LoopbackPath | undefined {
    let found: LoopbackPath | undefined;
    for (const ends of this.#ends.values()) {
      const end = ends[side];
      if (end !== undefined && !end.isDead && (found === undefined || end.id > found.id)) found = end;
    }
    return found;
  }

  /** The initiator took the answer: connection `id` opens on both ends. */
  connect(id: number): void {
    const ends = this.#ends.get(id);
    const alive = () => ends?.a !== undefined && ends.b !== undefined && !ends.a.isDead && !ends.b.isDead;
    const stuck = ends?.a === undefined ? null : this.#stuck(id, ends.a.policy);
    if (stuck === 'ice') return;
    setTimeout(() => {
      if (!alive()) return;
      ends!.a!.connected();
      ends!.b!.connected();
      if (stuck === 'dtls') return;
      ends!.a!.opened();
      ends!.b!.opened();
    }, this.#openDelayMs);
  }

  /** Connection `id` fails on both ends at once (a path that breaks, not one closed by a side). */
  cut(id: number): void {
    const ends = this.#ends.get(id);
    ends?.a?.die(new Error('loopback connection cut'));
    ends?.b?.die(new Error('loopback connection cut'));
  }

  /** Nothing more arrives on connection `id`, either way, and neither end is told. */
  silence(id: number): void {
    for (const end of Object.values(this.#ends.get(id) ?? {})) end.silenced = true;
  }

  incoming(side: Side, bytes: Uint8Array): Uint8Array {
    return this.taps[side]?.incoming(bytes) ?? bytes;
  }

  outgoing(side: Side, lane: Lane, bytes: Uint8Array): Uint8Array | null {
    const tap = this.taps[side];
    return tap === null ? bytes : tap.outgoing(lane, bytes);
  }

  schedule(channel: LoopbackChannel): void {
    this.#pending.add(channel);
    this.#timer ??= setTimeout(() => this.#deliver(), 0);
  }

  #deliver(): void {
    this.#timer = null;
    const channels = [...this.#pending];
    this.#pending.clear();
    for (const channel of channels) if (channel.deliver(this.#bytesPerTick)) this.#pending.add(channel);
    if (this.#pending.size > 0) this.#timer = setTimeout(() => this.#deliver(), 0);
  }
}

/** Two ends of an in-memory lobby relay; `drop(lane, frame)` decides, per frame, what is lost on the way to B. */
export function memoryRelay(drop: (lane: RelayLane, frame: Uint8Array) => boolean = () => false, maxMessageSize = 16 * 1024) {
  const listeners = { a: new Set<(lane: RelayLane, frame: Uint8Array) => void>(), b: new Set<(lane: RelayLane, frame: Uint8Array) => void>() };
  const end = (to: Side): LinkRelay => ({
    send(lane, frame) {
      const copy = new Uint8Array(frame); // a copy: a Buffer's slice() would be a view of the encoder's scratch buffer
      if (to === 'b' && drop(lane, copy)) return;
      setTimeout(() => {
        for (const fn of listeners[to]) fn(lane, copy);
      }, 0);
    },
    bufferedAmount: 0,
    maxMessageSize,
    onFrame(fn) {
      const own = to === 'b' ? listeners.a : listeners.b;
      own.add(fn);
      return () => own.delete(fn);
    },
  });
  // A's relay sends to B, and listens for what B sends.
  return { a: end('b'), b: end('a'), inject: (lane: Lane, frame: Uint8Array) => setTimeout(() => listeners.a.forEach((fn) => fn(lane, frame)), 0) };
}

const sizeOf = (data: Uint8Array | string): number => (typeof data === 'string' ? data.length : data.byteLength);
