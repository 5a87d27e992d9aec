/** Numeric options checked against the range their docs give, with a sentence that names both. */

/** What a numeric option must be. */
export interface NumberRange {
  /** The smallest value allowed (or, with `above`, the largest value not allowed). */
  min: number;
  /** `min` itself is out: the value must be more than it. */
  above?: true;
  /** The largest value allowed. */
  max?: number;
  /** Only whole numbers (counts and ids). */
  whole?: true;
  /** What the number counts, for the message: `milliseconds`, `bytes`… */
  unit: string;
}

/**
 * Why `value`, the option `name`, is not a number in `range`, as a sentence ("heartbeatIntervalMs
 * must be a number (milliseconds), more than 0; got 0"); undefined when it is in range or unset.
 */
export function outOfRange(name: string, value: unknown, range: NumberRange): string | undefined {
  if (value === undefined) return undefined;
  const { min, above, max, whole, unit } = range;
  if (typeof value === 'number' && Number.isFinite(value) && (above ? value > min : value >= min) && value <= (max ?? Infinity) && (!whole || Number.isInteger(value))) return undefined;
  const low = above ? `more than ${min}` : max === undefined ? `at least ${min}` : `${min}`;
  const span = max === undefined ? low : above ? `${low}, at most ${max}` : `${low} to ${max}`;
  return `${name} must be ${whole ? 'a whole number' : 'a number'} (${unit}), ${span}; got ${String(value).slice(0, 40)}`;
}
