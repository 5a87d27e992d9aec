/**
 * Numeric options checked against the range their docs give: a RangeError that names the option,
 * its range and what it got. (@rallypoint/core has the same check for links; this package
 * depends on nothing, so it keeps its own few lines.)
 */

/** `[min, max]`, or `(min, max]` with `above`; `whole` for counts. */
export interface Range {
  min: number;
  above?: true;
  max?: number;
  whole?: true;
}

export const POSITIVE: Range = { min: 0, above: true };
export const NOT_NEGATIVE: Range = { min: 0 };
export const COUNT: Range = { min: 1, whole: true };
export const SHARE: Range = { min: 0, max: 1 };

/** Throws a RangeError unless each `[name, value, range]` given a value is a number in its range. */
export function checkRanges(owner: string, checks: readonly (readonly [string, number | undefined, Range])[]): void {
  for (const [name, value, { min, above, max, whole }] of checks) {
    if (value === undefined) continue;
    if (typeof value === 'number' && Number.isFinite(value) && (above ? value > min : value >= min) && value <= (max ?? Infinity) && (!whole || Number.isInteger(value))) continue;
    const low = above ? `more than ${min}` : max === undefined ? `at least ${min}` : `${min}`;
    const span = max === undefined ? low : above ? `${low}, at most ${max}` : `${low} to ${max}`;
    throw new RangeError(`${owner}: ${name} must be ${whole ? 'a whole number' : 'a number'}, ${span}; got ${String(value).slice(0, 40)}`);
  }
}
