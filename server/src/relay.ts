/**
 * Relaying a room's game traffic for links with no direct path. The server forwards relay frames
 * (see @rallypoint/protocol's relay.ts) only between members of one room, within each sender's
 * budget, and never lets a recipient's backlog grow without bound: past a first mark, state from
 * each sender waits, newest replacing older, until the connection drains (see GameRoom.holdState);
 * past a second, everything is dropped (the events lane sends it again). Nothing is decoded beyond
 * the header.
 */
import { LobbyLimits, RELAY_OVERHEAD_BYTES, encodeRelayFrame, type RelayFrame, type RelayTerms } from '@rallypoint/protocol';

/** Why a relay frame was not forwarded; also the `reason` label of the dropped-frames metric. */
export type RelayDropReason = 'off' | 'budget' | 'target' | 'backlog';

/** The relay terms this server offers in its welcome; null when it does not relay. */
export function relayTerms(bytesPerSecond: number, first = true): RelayTerms | null {
  if (bytesPerSecond === 0) return null;
  return {
    first,
    countsMoves: true,
    maxMessageBytes: LobbyLimits.frameMaxBytes - RELAY_OVERHEAD_BYTES,
    bytesPerSecond,
    messagesPerSecond: LobbyLimits.relayMessagesPerSecond,
    burstSeconds: LobbyLimits.relayBurstSeconds,
  };
}

/** Whether a frame for a recipient with `backlogBytes` waiting on its connection may go now. */
export function relayFits(frame: RelayFrame, backlogBytes: number): boolean {
  if (backlogBytes > LobbyLimits.relayMaxBacklogBytes) return false;
  return frame.lane !== 'state' || backlogBytes <= LobbyLimits.relayStateBacklogBytes;
}

/**
 * The bytes of the frame a relay message carries, read from its header's id length alone (what
 * the budget counts, as the sending client does); 0 for a message too short to carry one.
 */
export function relayFrameBytes(message: Uint8Array): number {
  return Math.max(0, message.byteLength - 2 - (message[1] ?? 0));
}

/** The frame as the recipient gets it: the header names the sender. */
export function forwardedFrame(frame: RelayFrame, from: string): Uint8Array<ArrayBuffer> {
  return encodeRelayFrame(frame.lane, from, frame.frame);
}

/**
 * Addresses whose member was cut off for flooding the relay, for `forMs` after: a member joining
 * from one starts with an empty relay budget (the refill rate, no two-second burst). Otherwise a
 * flooder that joins again after each cut gets a fresh burst each time, which the server then
 * forwards: in `lobby.hostile` that was most of what a relay flood cost.
 */
export class RelayAbusers {
  readonly #until = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    private readonly forMs = 60_000,
  ) {}

  add(address: string): void {
    const now = this.now();
    for (const [known, until] of this.#until) if (until <= now) this.#until.delete(known);
    this.#until.set(address, now + this.forMs);
  }

  has(address: string): boolean {
    return (this.#until.get(address) ?? 0) > this.now();
  }
}

/**
 * Pairs of members whose links used the relay lately, for the relayed-links gauge: a pair counts
 * while data (not just the handshake) went between them in the last `windowMs`.
 */
export class RelayActivity {
  readonly #lastMs = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    private readonly windowMs = 5000,
  ) {}

  saw(room: string, a: string, b: string): void {
    this.#lastMs.set(a < b ? `${room} ${a} ${b}` : `${room} ${b} ${a}`, this.now());
  }

  /** Pairs active in the window; forgets the others. */
  count(): number {
    const since = this.now() - this.windowMs;
    for (const [key, at] of this.#lastMs) if (at < since) this.#lastMs.delete(key);
    return this.#lastMs.size;
  }
}
