/**
 * The link's signals beyond a connection's own (offer, answer, candidate, renegotiate,
 * transceiverRequest: paths/rtc-peer.ts): the wrapping that names the connection a signal is for,
 * and the fields and words connections.ts adds. A connection ignores fields it does not know.
 */
import { InvalidSignalError } from '../errors.js';
import type { LinkSignal } from '../types.js';

/** Signals of connections after the first travel wrapped in one of these, with the connection's id. */
const PATH_SIGNAL = 'rallypoint-path';

/**
 * Set on the offer of a connection made through TURN only: the answering side makes its own
 * TURN-only too. (The lobby sets it on a link's first offer when it starts the link over, see
 * `turnFallbackMs`.)
 */
export const RELAY_ONLY_FIELD = 'rallypointRelayOnly';
/** Set on the offer of a connection made to race the current one: the answering side keeps both until told (races.ts). */
const RACE_FIELD = 'rallypointRace';
/** The initiator's word on a race: the connection it names stays. */
export const CHOSEN = 'chosen';

/** Whether any of the servers is a TURN server. */
export function hasTurnServer(servers: readonly RTCIceServer[]): boolean {
  return servers.some((server) => (Array.isArray(server.urls) ? server.urls : [server.urls]).some((url) => /^turns?:/i.test(url)));
}

/** `data` for connection `pathId`. */
export function pathSignal(pathId: number, data: LinkSignal): LinkSignal {
  return { type: PATH_SIGNAL, path: pathId, data };
}

/** Which connection a signal from the other side is for (a bare one: the first), and what it says; or why it is refused. */
export function unwrapSignal(data: LinkSignal): { pathId: number; inner: LinkSignal } | InvalidSignalError {
  if (typeof data !== 'object' || data === null || typeof data.type !== 'string') return new InvalidSignalError('Signal data must be an object with a string `type`');
  if (data.type !== PATH_SIGNAL) return { pathId: 0, inner: data };
  const { path, data: wrapped } = data as { path?: unknown; data?: unknown };
  // Path 0 comes wrapped too once it is open (renegotiation for media): see Connections.
  if (!Number.isInteger(path) || (path as number) < 0 || typeof wrapped !== 'object' || wrapped === null || typeof (wrapped as LinkSignal).type !== 'string') {
    return new InvalidSignalError('A path signal needs a whole `path` of at least 0 and signal `data`');
  }
  return { pathId: path as number, inner: wrapped as LinkSignal };
}

/** An offer of a connection through TURN only, or racing another, says so; other signals go as they are. */
export function tagOffer(signal: LinkSignal, relayOnly: boolean, race: boolean): LinkSignal {
  if (signal.type !== 'offer') return signal;
  return { ...signal, ...(relayOnly && { [RELAY_ONLY_FIELD]: true }), ...(race && { [RACE_FIELD]: true }) };
}

export const isRelayOnlyOffer = (signal: LinkSignal): boolean => (signal as Record<string, unknown>)[RELAY_ONLY_FIELD] === true;
export const isRaceOffer = (signal: LinkSignal): boolean => (signal as Record<string, unknown>)[RACE_FIELD] === true;
