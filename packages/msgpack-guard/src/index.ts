/**
 * @rallypoint/msgpack-guard — a first look at untrusted msgpack, before any decoder builds a
 * value from it. One pass, no allocation per value: the bytes must hold exactly one value, nest
 * no deeper than `maxDepth`, hold at most `maxNodes` values and use only the extensions you
 * allow (msgpackr's records optionally followed). The lobby server and both lanes of a link run
 * it on everything a peer sends.
 *
 * @example
 * import { assertWithinLimits } from '@rallypoint/msgpack-guard';
 *
 * assertWithinLimits(bytes, { maxDepth: 16, maxNodes: 4096, extensions: [], records: null }); // throws MsgpackGuardError
 * const value = unpackr.unpack(bytes);
 */
import { MsgpackGuardError } from './errors.js';
import { scanMsgpack, type ScanLimits } from './scan.js';

export { RECORD_DEFINITION_EXTENSION, TIMESTAMP_EXTENSION, UNDEFINED_EXTENSION, scanMsgpack } from './scan.js';
export { MsgpackGuardError } from './errors.js';

export type { ScanFailure, ScanLimits, ScanResult } from './scan.js';

/** Throws `MsgpackGuardError` unless `bytes` is one msgpack value within `limits`. */
export function assertWithinLimits(bytes: Uint8Array, limits: ScanLimits): void {
  const result = scanMsgpack(bytes, limits);
  if (!result.ok) throw new MsgpackGuardError(result);
}
