/**
 * Races, the timing half: when a connection is stuck, the link's initiator makes a second one
 * beside it instead of waiting it out (connections.ts makes it, and settles the race). What says
 * a connection is stuck:
 * - `dtls`: its ICE connected, but it has not opened shortly after. On node-datachannel
 *   (`RtcImplementation.racesDtls`) a lost DTLS handshake packet is sent again only after a
 *   fixed second (libdatachannel#1635); a fresh connection's handshake is done well before.
 * - `turn`: with TURN in the room, it has its candidates and the answer but has not connected.
 *   The racer goes through TURN only: what opens between two symmetric NATs.
 * The first of the two to open at the initiator stays; the initiator closes the other and names
 * the one it kept in a `chosen` signal, which the other side waits for before its link hears of
 * either (a link must not start on a connection the initiator is about to close).
 */

/**
 * With TURN in the room, a first connection (every candidate type) not open this long after the
 * link opened on the relay is raced by one through TURN only, whatever else is known: the
 * backstop of TURN_RACE_AFTER_ICE_MS, for a gathering that never ends. Between two symmetric
 * NATs, libdatachannel's ICE given host, srflx and relay candidates did not converge within 40 s
 * in the network lab, while TURN-only opened in 0.3 s.
 */
export const TURN_ONLY_AFTER_MS = 4000;
/**
 * With TURN in the room, a connection that has not connected this long after its own candidates
 * are all gathered (so its TURN candidate is out) and its answer is applied is raced by one
 * through TURN only. Between two cone NATs the direct pair connects well within this (tens of
 * milliseconds in the network lab); if it opens later it still wins while TURN-only is being made.
 */
export const TURN_RACE_AFTER_ICE_MS = 1000;
/**
 * A connection (on an implementation with `racesDtls`) whose ICE is connected but that has not
 * opened this long after is raced by a fresh one. DTLS, SCTP and the channel's open take a few
 * round trips: tens of milliseconds on a LAN, a few hundred across the world (a race then is a
 * connection made for nothing, not a fault).
 */
export const DTLS_RACE_AFTER_MS = 250;

/** Why a connection is raced: its DTLS is late, or it found no pair and TURN may. */
export type RaceKind = 'dtls' | 'turn';

/** What a connection has shown so far. */
export interface Evidence {
  policy: RTCIceTransportPolicy;
  /** Its ICE connected at least once. */
  connected: boolean;
  /** Its own candidates are all gathered. */
  gathered: boolean;
  /** (The initiator's) the answer is applied: with `gathered`, ICE has all it needs. */
  answered: boolean;
}

/**
 * When the next race starts: one armed at a time, the sooner of two standing, but that a
 * connection whose ICE has connected is not raced through TURN (its DTLS race replaces one).
 */
export class RaceClock {
  #armed: { timer: ReturnType<typeof setTimeout>; at: number; kind: RaceKind } | null = null;

  /** `start` in `afterMs`, unless something sooner is armed, or `kind` is `turn` and the connection has connected by then. */
  arm(kind: RaceKind, afterMs: number, evidence: Evidence, start: () => void): void {
    if (kind === 'turn' && evidence.connected) return;
    const at = Date.now() + afterMs;
    const armed = this.#armed;
    if (armed !== null && armed.at <= at && !(armed.kind === 'turn' && kind === 'dtls')) return;
    this.stop();
    const timer = setTimeout(() => {
      this.#armed = null;
      if (kind === 'turn' && evidence.connected) return;
      start();
    }, afterMs);
    this.#armed = { timer, at, kind };
  }

  stop(): void {
    if (this.#armed !== null) clearTimeout(this.#armed.timer);
    this.#armed = null;
  }
}
