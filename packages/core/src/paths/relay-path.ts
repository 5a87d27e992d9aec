/**
 * Both lanes through the lobby server, for when no direct path works: a `Path` over the
 * `LinkRelay` the lobby hands each link. It is open once the peer's link has answered the
 * relay's own handshake.
 */
import type { Lane, LaneChannel, LinkRelay, Path, PathHandlers, RelayLane } from './types.js';

/** How often the relay handshake is sent again until the peer's link answers it. */
const RELAY_HELLO_INTERVAL_MS = 1000;
/** How often a backed-up relay is polled for room (a WebSocket has no low-water event). */
const RELAY_DRAIN_POLL_MS = 10;

/**
 * Both lanes through the lobby. Usable once the peer's link has answered the handshake: each side
 * sends a random nonce and echoes the other's, so a side knows the other's link is there and
 * listening before it moves its lanes here.
 */
export class RelayPath implements Path {
  readonly kind = 'relay';
  readonly events: LaneChannel;
  readonly state: LaneChannel;
  heard = false;
  /** Bytes sent through the relay: both lanes' frames, probes and the relay's own handshake. */
  sentBytes = 0;
  #confirmed = false;
  #closed = false;
  readonly #nonce: number;
  #peerNonce: number | null = null;
  readonly #unsubscribe: () => void;
  #helloTimer: ReturnType<typeof setInterval> | null = null;
  #drainTimer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly relay: LinkRelay,
    private readonly handlers: Omit<PathHandlers, 'dead'>,
    private readonly lowWaterMark: number,
    random: () => number = Math.random,
  ) {
    this.#nonce = (Math.floor(random() * 0xffff_ffff) >>> 0) || 1;
    const channel = (lane: Lane): LaneChannel => {
      const self = this;
      return {
        get readyState() {
          return self.#confirmed && !self.#closed ? 'open' : 'connecting';
        },
        get bufferedAmount() {
          return relay.bufferedAmount;
        },
        send: (data) => this.#send(lane, data),
      };
    };
    this.events = channel('events');
    this.state = channel('state');
    this.#unsubscribe = relay.onFrame((lane, frame) => this.#receive(lane, frame));
    this.#sendHello();
    this.#helloTimer = setInterval(() => this.#sendHello(), RELAY_HELLO_INTERVAL_MS);
  }

  get isOpen(): boolean {
    return this.#confirmed && !this.#closed;
  }

  get maxMessageSize(): number {
    return this.relay.maxMessageSize;
  }

  /** The lanes moved to a direct path; the relay stays open for a fall back. */
  left(): void {
    this.relay.left?.();
  }

  close(): void {
    this.#closed = true;
    this.#unsubscribe();
    if (this.#helloTimer !== null) clearInterval(this.#helloTimer);
    if (this.#drainTimer !== null) clearInterval(this.#drainTimer);
    this.#helloTimer = this.#drainTimer = null;
  }

  #send(lane: Lane, data: Uint8Array): void {
    if (this.#closed) return;
    this.sentBytes += data.byteLength;
    this.relay.send(lane, data);
    if (this.#drainTimer === null && this.relay.bufferedAmount > this.lowWaterMark) {
      this.#drainTimer = setInterval(() => {
        if (this.relay.bufferedAmount > this.lowWaterMark) return;
        if (this.#drainTimer !== null) clearInterval(this.#drainTimer);
        this.#drainTimer = null;
        this.handlers.drain('state');
        this.handlers.drain('events');
      }, RELAY_DRAIN_POLL_MS);
    }
  }

  #sendHello(): void {
    const frame = new Uint8Array(8);
    const view = new DataView(frame.buffer);
    view.setUint32(0, this.#nonce);
    view.setUint32(4, this.#peerNonce ?? 0);
    this.sentBytes += frame.byteLength;
    this.relay.send('hello', frame);
  }

  #receive(lane: RelayLane, frame: Uint8Array): void {
    if (this.#closed) return;
    if (lane !== 'hello') {
      this.heard = true;
      if (lane === 'events') this.handlers.events(frame);
      else this.handlers.state(frame);
      return;
    }
    if (frame.byteLength !== 8) return;
    const view = new DataView(frame.buffer, frame.byteOffset, 8);
    const theirs = view.getUint32(0);
    const echo = view.getUint32(4);
    const fresh = theirs !== this.#peerNonce;
    this.#peerNonce = theirs;
    this.heard = true;
    if (fresh || echo !== this.#nonce) this.#sendHello();
    if (echo === this.#nonce && !this.#confirmed) {
      this.#confirmed = true;
      if (this.#helloTimer !== null) clearInterval(this.#helloTimer);
      this.#helloTimer = null;
      this.handlers.open();
    }
  }
}
