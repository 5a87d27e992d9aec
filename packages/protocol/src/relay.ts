/**
 * The relay: game traffic between two members of one room, through the lobby server, for pairs
 * with no direct path. Relay frames travel as Colyseus byte messages (`ROOM_DATA_BYTES`) of type
 * `relay`, so the server forwards them without decoding what they carry:
 *
 *   [lane: u8][id length: u8][member id: utf-8][frame]
 *
 * From a member the id names the recipient; from the server, the sender.
 */
export const RELAY_MESSAGE = 'relay';

/**
 * A link's two lanes, the relay handshake between the two links (see @rallypoint/core's
 * relay-path.ts), and `moved`: from a member to the server only (never forwarded), its link to
 * the member the header names moved its lanes off the relay to a direct path, so the server can
 * count what it relayed for that link before (sent only to servers whose terms say `countsMoves`).
 */
export const RelayLaneCode = { events: 0, state: 1, hello: 2, moved: 3 } as const;
/** The lanes a relay frame can belong to. */
export type RelayLaneName = keyof typeof RelayLaneCode;
const laneNames: readonly RelayLaneName[] = ['events', 'state', 'hello', 'moved'];

/** Longest member id in a relay header (Colyseus session ids are 9 characters). */
export const RELAY_MAX_ID_BYTES = 64;

/** A relay frame, decoded: its lane, the member it is for (from a member) or from (from the server), and its bytes. */
export interface RelayFrame {
  /** Which lane (or the handshake, or `moved`) it belongs to. */
  lane: RelayLaneName;
  /** From a member: the member it is for. From the server: the member it came from. */
  memberId: string;
  /** The link's frame, as it would travel on a data channel; the server never reads it. */
  frame: Uint8Array;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A relay frame's bytes: header and frame in one buffer. */
export function encodeRelayFrame(lane: RelayLaneName, memberId: string, frame: Uint8Array): Uint8Array<ArrayBuffer> {
  const id = utf8.encode(memberId);
  if (id.byteLength === 0 || id.byteLength > RELAY_MAX_ID_BYTES) throw new RangeError(`a relay member id is 1 to ${RELAY_MAX_ID_BYTES} bytes`);
  const out = new Uint8Array(2 + id.byteLength + frame.byteLength);
  out[0] = RelayLaneCode[lane];
  out[1] = id.byteLength;
  out.set(id, 2);
  out.set(frame, 2 + id.byteLength);
  return out;
}

/** The frame in `bytes`, or what is wrong with it. */
export function decodeRelayFrame(bytes: Uint8Array): RelayFrame | string {
  if (bytes.byteLength < 3) return 'a relay frame needs a lane, an id and data';
  const lane = laneNames[bytes[0]!];
  if (lane === undefined) return `no relay lane ${bytes[0]!}`;
  const idLength = bytes[1]!;
  if (idLength === 0 || idLength > RELAY_MAX_ID_BYTES || bytes.byteLength <= 2 + idLength) return 'a relay frame with a bad member id';
  let memberId: string;
  try {
    memberId = fromUtf8.decode(bytes.subarray(2, 2 + idLength));
  } catch {
    return 'a relay member id that is not UTF-8';
  }
  return { lane, memberId, frame: bytes.subarray(2 + idLength) };
}

/**
 * Room in a relay message besides the frame: the Colyseus header (protocol byte, type name) and
 * the relay header with the longest id. A frame up to `frameMaxBytes` minus this fits one
 * WebSocket frame.
 */
export const RELAY_OVERHEAD_BYTES = 16 + 2 + RELAY_MAX_ID_BYTES;

/** What the server's welcome says about its relay (null there: it does not relay). */
export interface RelayTerms {
  /**
   * Links start on the relay while their direct path is made (the server's `--relay-first`);
   * false: they only fall back to it. Missing (an older server): true.
   */
  first?: boolean;
  /**
   * The server takes `moved` frames and counts the bytes it relayed for links before they moved
   * to a direct path (an older server would refuse the lane).
   */
  countsMoves?: boolean;
  /** Largest frame one relay message carries. */
  maxMessageBytes: number;
  /** One member's budget: bytes and messages a second, each bucket holding `burstSeconds` of it. */
  bytesPerSecond: number;
  /** Relay messages one member may send a second (see `bytesPerSecond`). */
  messagesPerSecond: number;
  /** How many seconds of either rate a member may spend at once after being quiet. */
  burstSeconds: number;
}

/**
 * A member's relay budget as two token buckets, bytes and messages. The server takes from it and
 * drops what does not fit; a client spends from its own copy (a little under the server's rates)
 * and holds back while it is in debt, so that an honest client is never dropped.
 */
export class RelayBudget {
  #bytes: number;
  #messages: number;
  #updatedAt: number;

  constructor(
    private readonly terms: Pick<RelayTerms, 'bytesPerSecond' | 'messagesPerSecond' | 'burstSeconds'>,
    private readonly now: () => number,
  ) {
    this.#bytes = terms.bytesPerSecond * terms.burstSeconds;
    this.#messages = terms.messagesPerSecond * terms.burstSeconds;
    this.#updatedAt = now();
  }

  /** Spend one message of `bytes` if both buckets hold enough; false (and nothing spent) if not. */
  take(bytes: number): boolean {
    this.#refill();
    if (this.#bytes < bytes || this.#messages < 1) return false;
    this.#spend(bytes);
    return true;
  }

  /** Spend one message of `bytes`, into debt if need be. */
  spend(bytes: number): void {
    this.#refill();
    this.#spend(bytes);
  }

  /**
   * Spend what the buckets hold now: from here on only the refill rate is there, no burst (the
   * server's budget for a member who comes from an address cut off for relay abuse lately).
   */
  empty(): void {
    this.#refill();
    this.#bytes = Math.min(this.#bytes, 0);
    this.#messages = Math.min(this.#messages, 0);
  }

  /** Whether a bucket is in debt: hold back until it is not. */
  get exhausted(): boolean {
    this.#refill();
    return this.#bytes < 0 || this.#messages < 0;
  }

  #spend(bytes: number): void {
    this.#bytes -= bytes;
    this.#messages -= 1;
  }

  #refill(): void {
    const now = this.now();
    const elapsedS = Math.max(0, now - this.#updatedAt) / 1000;
    this.#updatedAt = now;
    const { bytesPerSecond, messagesPerSecond, burstSeconds } = this.terms;
    this.#bytes = Math.min(bytesPerSecond * burstSeconds, this.#bytes + elapsedS * bytesPerSecond);
    this.#messages = Math.min(messagesPerSecond * burstSeconds, this.#messages + elapsedS * messagesPerSecond);
  }
}
