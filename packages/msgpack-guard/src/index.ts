/**
 * @rallypoint/msgpack-guard — a first look at untrusted msgpack, before any decoder builds a
 * value from it. One pass, no allocation per value: the bytes must hold exactly one value, nest
 * no deeper than `maxDepth`, hold at most `maxNodes` values and use only the extensions you
 * allow (msgpackr's records optionally followed). The lobby server and both lanes of a link run
 * it on everything a peer sends.
 *
 * @example
 * import { MsgpackGuardError, createMsgpackScanner } from '@rallypoint/msgpack-guard';
 *
 * const scan = createMsgpackScanner({ maxDepth: 16, maxNodes: 4096, extensions: [], records: null });
 * const result = scan(bytes);
 * if (!result.ok) throw new MsgpackGuardError(result); // result.reason: 'too-deep', 'trailing-bytes', …
 * const value = unpackr.unpack(bytes);
 */
export { RECORD_DEFINITION_EXTENSION, TIMESTAMP_EXTENSION, UNDEFINED_EXTENSION, createMsgpackScanner } from './scan.js';
export { MsgpackGuardError } from './errors.js';

export type { MsgpackScanner, ScanFailure, ScanLimits, ScanResult } from './scan.js';
