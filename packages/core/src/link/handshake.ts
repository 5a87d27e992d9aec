/**
 * The link's handshake: each side's first events frame is a hello with its protocol version, its
 * message structures, the largest message it takes, and its clock. A link opens once it has sent
 * its hello and accepted the peer's (link.ts); this keeps what the two hellos settle.
 */
import { HandshakeError, ProtocolVersionMismatchError } from '../errors.js';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../paths/rtc.js';
import type { DecodeLimits } from '../types.js';
import { createFrameDecoder, type FrameDecoder } from '../wire/codec.js';
import { FrameKind, LINK_PROTOCOL_VERSION, wrapU32, type HelloFrame } from '../wire/frames.js';

export interface HandshakeInit {
  structures: readonly (readonly string[])[];
  decodeLimits: DecodeLimits;
  now: () => number;
  /** This side's `now()` when the link was made. */
  epochMs: number;
  /** The largest message this side takes on every path it may use. */
  localMaxMessageSize: () => number;
}

/** A hello that was refused: `fatal` ones close the link (the two sides cannot talk). */
export interface RefusedHello {
  fatal: boolean;
  error: Error;
}

export class Handshake {
  /** Our hello went out (on the path the link started on). */
  sent = false;
  #remote: HelloFrame | null = null;
  /** Reads the peer's frames with the peer's structures, once its hello is in. */
  decoder: FrameDecoder;
  /** The largest message the lanes send: the default until the link opens (see settleMaxMessageSize). */
  maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;

  constructor(private readonly init: HandshakeInit) {
    this.decoder = createFrameDecoder([], init.decodeLimits);
  }

  get received(): boolean {
    return this.#remote !== null;
  }

  /** Both hellos are through: the link can open. */
  get done(): boolean {
    return this.sent && this.#remote !== null;
  }

  /** Our hello, now: marks it sent. */
  hello(): readonly unknown[] {
    this.sent = true;
    const { structures, now, epochMs } = this.init;
    return [FrameKind.Hello, LINK_PROTOCOL_VERSION, structures, this.init.localMaxMessageSize(), epochMs, wrapU32((now() - epochMs) * 1000)];
  }

  /** The peer's hello: null once accepted, or why it was refused. */
  accept(hello: HelloFrame): RefusedHello | null {
    if (this.#remote !== null) return { fatal: false, error: new HandshakeError('The remote sent a second hello') };
    if (hello.version !== LINK_PROTOCOL_VERSION) return { fatal: true, error: new ProtocolVersionMismatchError(LINK_PROTOCOL_VERSION, hello.version) };
    try {
      this.decoder = createFrameDecoder(hello.structures, this.init.decodeLimits);
    } catch (cause) {
      return { fatal: true, error: new HandshakeError('The remote structures are unusable', { cause }) };
    }
    this.#remote = hello;
    return null;
  }

  /** Settle, as the link opens, the largest message both sides take (the smaller of the two). */
  settleMaxMessageSize(): number {
    this.maxMessageSize = Math.min(this.init.localMaxMessageSize(), this.#remote?.maxMessageSize || DEFAULT_MAX_MESSAGE_SIZE);
    return this.maxMessageSize;
  }
}
