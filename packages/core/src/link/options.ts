/**
 * `LinkInit` read and checked: defaults filled in, and every option a link cannot use refused
 * with a TypeError that names it, before anything is made.
 */
import { globalRtc } from '../paths/rtc.js';
import { outOfRange, type NumberRange } from '../ranges.js';
import type { RtcImplementation } from '../paths/types.js';
import type { DecodeLimits, LinkInit, Logger } from '../types.js';
import { consoleLogger } from '../unheard.js';
import { DEFAULT_DECODE_LIMITS } from '../wire/codec.js';
import { MAX_STRUCTURES, MAX_STRUCTURE_KEYS, isStructureList } from '../wire/frames.js';

/** `LinkInit.relayAfterMs` when not given (with `relayFirst: false`). */
export const DEFAULT_RELAY_AFTER_MS = 5000;

/** The numeric options and the range each must be in (documented with each on `LinkInit`). */
const NUMBER_RULES: readonly (NumberRange & { name: keyof LinkInit })[] = [
  { name: 'heartbeatIntervalMs', min: 0, above: true, unit: 'milliseconds' },
  { name: 'heartbeatTimeoutMs', min: 0, above: true, unit: 'milliseconds' },
  { name: 'connectTimeoutMs', min: 0, above: true, unit: 'milliseconds' },
  { name: 'requestTimeoutMs', min: 0, above: true, unit: 'milliseconds' },
  { name: 'relayAfterMs', min: 0, unit: 'milliseconds' },
  { name: 'pathTimeoutMs', min: 0, unit: 'milliseconds' },
  { name: 'maxEventBytes', min: 1, whole: true, unit: 'bytes' },
  { name: 'maxQueuedBytes', min: 1, whole: true, unit: 'bytes' },
  { name: 'maxPendingRequests', min: 1, whole: true, unit: 'requests' },
  { name: 'eventsHighWaterMarkBytes', min: 0, unit: 'bytes' },
  { name: 'stateHighWaterMarkBytes', min: 0, unit: 'bytes' },
  { name: 'stateChannelId', min: 2, max: 255, whole: true, unit: 'a data channel id' },
];

/**
 * The first numeric option of `init` out of the range its doc gives, as a sentence naming it;
 * undefined when all are in range. `createLink` throws it as a TypeError; the lobby checks its
 * `link` options with it when it is made, before any link is.
 */
export function linkInitProblem(init: Partial<LinkInit>): string | undefined {
  for (const rule of NUMBER_RULES) {
    const problem = outOfRange(rule.name, init[rule.name], rule);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

export interface LinkSettings {
  /** Null for a link that makes no direct connections (`direct: false`). */
  rtc: RtcImplementation | null;
  now: () => number;
  logger: Logger;
  structures: readonly (readonly string[])[];
  decodeLimits: DecodeLimits;
  timing: Required<Pick<LinkInit, 'heartbeatIntervalMs' | 'heartbeatTimeoutMs' | 'connectTimeoutMs' | 'relayAfterMs' | 'pathTimeoutMs'>>;
}

export function readLinkInit(init: LinkInit): LinkSettings {
  const problem = linkInitProblem(init);
  if (problem !== undefined) throw new TypeError(problem);
  const direct = init.direct ?? true;
  if (!direct && init.relay === undefined) throw new TypeError('direct: false needs a `relay` to travel on');
  const rtc = init.rtc ?? globalRtc();
  if (rtc === undefined && direct) {
    throw new TypeError('No RTCPeerConnection here: pass `rtc`, or in Node use createLink from "@rallypoint/core/node"');
  }
  const decodeLimits = { ...DEFAULT_DECODE_LIMITS, ...init.decodeLimits };
  if (!Object.values(decodeLimits).every((n) => Number.isInteger(n) && n >= 1)) {
    throw new TypeError('decodeLimits.maxDepth and decodeLimits.maxNodes must be whole numbers of at least 1');
  }
  const structures = init.structures ?? [];
  if (!isStructureList(structures)) {
    throw new TypeError(`structures must be at most ${MAX_STRUCTURES} non-empty lists of at most ${MAX_STRUCTURE_KEYS} string keys`);
  }
  const relayFirst = init.relayFirst ?? true;
  if (relayFirst && init.relayAfterMs !== undefined && init.relayAfterMs !== 0) {
    throw new TypeError('relayAfterMs is the wait before opening on the relay with relayFirst: false; with relayFirst (the default) the link opens on the relay at once');
  }
  const timing = {
    heartbeatIntervalMs: init.heartbeatIntervalMs ?? 1000,
    heartbeatTimeoutMs: init.heartbeatTimeoutMs ?? 5000,
    connectTimeoutMs: init.connectTimeoutMs ?? 20_000,
    relayAfterMs: direct && !relayFirst ? (init.relayAfterMs ?? DEFAULT_RELAY_AFTER_MS) : 0,
    pathTimeoutMs: init.pathTimeoutMs ?? 2000,
  };
  return { rtc: direct ? (rtc ?? null) : null, now: init.now ?? (() => performance.now()), logger: init.logger ?? consoleLogger, structures, decodeLimits, timing };
}
