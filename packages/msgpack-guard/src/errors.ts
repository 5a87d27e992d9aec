import type { ScanFailure, ScanResult } from './scan.js';

/** Untrusted msgpack refused before decoding: why (`reason`) and where (`offset`). */
export class MsgpackGuardError extends Error {
  override readonly name = 'MsgpackGuardError';
  readonly reason: ScanFailure;
  readonly offset: number;

  constructor(failure: Extract<ScanResult, { ok: false }>) {
    super(`msgpack refused (${failure.reason}): ${failure.message}`);
    this.reason = failure.reason;
    this.offset = failure.offset;
  }
}
