/**
 * Two members of a room of their own bounce a signal through the lobby server, paced well within
 * their message budget, and time every round trip: while the server is stalled, the round trip in
 * flight is too. Used to show what hostile input costs everyone else.
 */
import { ClientMessage, ServerMessage } from '@rallypoint/protocol';
import type { RawMember } from './raw-member.js';
import { until } from './wait.js';

export interface PingPong {
  /** Round trips so far, in ms. */
  readonly roundTrips: readonly number[];
  /** The slowest round trip from `since` (an index into roundTrips) on, in ms. */
  worstSince(since: number): number;
  /** Waits for `count` more round trips (at most `timeoutMs`). */
  more(count: number, what: string, timeoutMs?: number): Promise<void>;
  stop(): void;
}

/** Each client sends one message per round trip, then waits `pauseMs`: 50 a second at 20 ms. */
export function startPingPong(a: RawMember, b: RawMember, pauseMs = 20): PingPong {
  const roundTrips: number[] = [];
  let running = true;
  let sentAt = 0;
  const ping = () => {
    if (!running) return;
    sentAt = performance.now();
    a.room.send(ClientMessage.Signal, { to: b.id, data: { type: 'ping' } });
  };
  b.room.onMessage(ServerMessage.Signal, ({ from, data }: { from: string; data: { type: string } }) => {
    if (running && from === a.id && data.type === 'ping') b.room.send(ClientMessage.Signal, { to: a.id, data: { type: 'pong' } });
  });
  a.room.onMessage(ServerMessage.Signal, ({ from, data }: { from: string; data: { type: string } }) => {
    if (from !== b.id || data.type !== 'pong') return;
    roundTrips.push(performance.now() - sentAt);
    setTimeout(ping, pauseMs);
  });
  ping();
  return {
    roundTrips,
    worstSince: (since) => roundTrips.slice(since).reduce((worst, ms) => Math.max(worst, ms), 0),
    async more(count, what, timeoutMs) {
      const target = roundTrips.length + count;
      await until(() => roundTrips.length >= target, what, timeoutMs);
    },
    stop() {
      running = false;
    },
  };
}
