/** What the snapshot decoder throws, by name. */

/** A delta snapshot against a baseline this decoder no longer has. */
export class MissingBaselineError extends Error {
  override name = 'MissingBaselineError';
  constructor(readonly baselineId: number) {
    super(`snapshot needs baseline ${baselineId}, which this side no longer has`);
  }
}

/** Snapshot bytes that do not decode. */
export class MalformedSnapshotError extends Error {
  override name = 'MalformedSnapshotError';
}
