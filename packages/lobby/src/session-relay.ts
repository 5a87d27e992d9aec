/**
 * The lobby relay as a session's links see it: one `LinkRelay` per member, all through the
 * session's one lobby connection, paced a little under the server's relay budget so that what
 * the server would drop waits in the links' own queues instead.
 */
import type { LinkInit, LinkRelay, Logger, RelayLane } from '@rallypoint/core';
import { RELAY_MESSAGE, RelayBudget, decodeRelayFrame, encodeRelayFrame, type WelcomePayload } from '@rallypoint/protocol';
import type { LobbyRoom as ColyseusRoom } from './colyseus-room.js';
import { RelayRefusedError } from './errors.js';
import type { LobbyRelayMode } from './session-types.js';

/** Share of the server's relay rates a session uses, leaving room for timing differences. */
const RELAY_PACE = 0.9;
/** What the relay reports as waiting while the budget is spent: more than any lane's high-water mark. */
const PACED_BACKLOG_BYTES = 64 * 1024 * 1024;

export interface SessionRelayDeps {
  mode: LobbyRelayMode;
  logger: Logger;
  /** What the server offers (from the welcome): null when it does not relay. */
  offered(): WelcomePayload['relay'];
  /** The room now (it changes when the session reconnects). */
  room(): ColyseusRoom;
  /** In the room now (frames sent while reconnecting are lost; the events lane resends them). */
  isJoined(): boolean;
  error(error: Error): void;
}

export class SessionRelay {
  /** Where relay frames from each member go: the relay path of our link to it. */
  readonly #listeners = new Map<string, Set<(lane: RelayLane, frame: Uint8Array) => void>>();
  /** Our copy of the server's relay budget for us, shared by every link. */
  #budget: RelayBudget | undefined;

  constructor(private readonly deps: SessionRelayDeps) {}

  /**
   * The relay to one member through this session's lobby connection, for a link's `relay`
   * (nothing when the server does not relay, or the game turned it off). Frames sent while the
   * connection is down are lost; the link's events lane sends them again.
   */
  for(peerId: string): Pick<LinkInit, 'relay' | 'direct' | 'relayAfterMs' | 'relayFirst'> {
    const { mode, room } = this.deps;
    const offered = this.deps.offered();
    if (offered === null || offered === undefined || mode === 'off') {
      if (mode === 'always') this.deps.error(new RelayRefusedError('the lobby server does not relay: links connect directly'));
      return {};
    }
    const listeners = this.#listeners;
    // A little under the server's rates: what the server would drop is held back here instead.
    const budget = (this.#budget ??= new RelayBudget(
      { ...offered, bytesPerSecond: offered.bytesPerSecond * RELAY_PACE, messagesPerSecond: offered.messagesPerSecond * RELAY_PACE },
      () => performance.now(),
    ));
    const relay: LinkRelay = {
      send: (lane, frame) => {
        if (!this.deps.isJoined()) return;
        budget.spend(frame.byteLength);
        const encoded = encodeRelayFrame(lane, peerId, frame);
        makeRoomForBytes(room(), encoded.byteLength);
        room().sendBytes(RELAY_MESSAGE, encoded);
      },
      // Over budget, the relay looks full to the lanes: events wait in their queue, state is replaced.
      get bufferedAmount() {
        return socketBacklog(room()) + (budget.exhausted ? PACED_BACKLOG_BYTES : 0);
      },
      maxMessageSize: offered.maxMessageBytes,
      left: () => {
        if (offered.countsMoves === true && this.deps.isJoined()) room().sendBytes(RELAY_MESSAGE, encodeRelayFrame('moved', peerId, MOVED_FRAME));
      },
      onFrame(fn) {
        let set = listeners.get(peerId);
        if (set === undefined) listeners.set(peerId, (set = new Set()));
        set.add(fn);
        return () => {
          set.delete(fn);
          if (set.size === 0 && listeners.get(peerId) === set) listeners.delete(peerId);
        };
      },
    };
    if (mode === 'always') return { relay, direct: false };
    // The server's `--relay-first false` wins over the game's choice: the relay is its cost.
    return offered.first === false ? { relay, relayFirst: false } : { relay };
  }

  /** A relay message from the server: to the link of the member it comes from. */
  receive(bytes: Uint8Array): void {
    const frame = decodeRelayFrame(bytes);
    if (typeof frame === 'string') return this.deps.logger.debug({ problem: frame }, 'unreadable relay frame from the server');
    const listeners = this.#listeners.get(frame.memberId);
    if (listeners === undefined || frame.lane === 'moved') return;
    for (const fn of listeners) fn(frame.lane, frame.frame);
  }
}

/** A `moved` frame carries nothing but its header (a frame needs one byte). */
const MOVED_FRAME = new Uint8Array(1);

/** Room in colyseus.js's send buffer for the message type and framing before the bytes. */
const SEND_HEADER_BYTES = 64;

/**
 * Room for a relay frame in colyseus.js's send buffer. colyseus.js 0.16 writes every message into
 * one @colyseus/msgpackr buffer (module state: shared by every room in the process, 8 KiB at
 * first), and `Room.sendBytes` replaces it with a plain Uint8Array when a frame does not fit. In
 * Node, msgpackr then writes strings with `Buffer#utf8Write`, which a Uint8Array lacks: every
 * later `send` of a long string (a signal's SDP) throws `target.utf8Write is not a function`, and
 * links stop connecting. A buffer of msgpackr's own kind (a Buffer where there is one), as large
 * as the frame, keeps `sendBytes` from replacing it.
 */
function makeRoomForBytes(room: ColyseusRoom, bytes: number): void {
  const packr = (room as unknown as { packr?: { buffer?: Uint8Array; useBuffer?(buffer: Uint8Array): void } }).packr;
  if (packr?.useBuffer === undefined) return;
  const NodeBuffer = (globalThis as { Buffer?: { allocUnsafeSlow(size: number): Uint8Array; isBuffer(value: unknown): boolean } }).Buffer;
  const size = bytes + SEND_HEADER_BYTES;
  const current = packr.buffer;
  if (current !== undefined && current.byteLength >= size && (NodeBuffer === undefined || NodeBuffer.isBuffer(current))) return;
  packr.useBuffer(NodeBuffer === undefined ? new Uint8Array(size) : NodeBuffer.allocUnsafeSlow(size));
}

/** Bytes waiting on the session's WebSocket (colyseus.js keeps it as `connection.transport.ws`). */
function socketBacklog(room: ColyseusRoom): number {
  const transport = (room.connection as unknown as { transport?: { ws?: { bufferedAmount?: number } } }).transport;
  return transport?.ws?.bufferedAmount ?? 0;
}
