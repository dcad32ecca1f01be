/**
 * Small, dependency-free statistics for repeated measurements.
 *
 * @module
 */

function sorted(values: readonly number[]): number[] {
  if (values.length === 0) throw new Error("no samples");
  return [...values].sort((a, b) => a - b);
}

/** The `p`-th percentile (0–100) by linear interpolation between ranks. */
export function percentile(values: readonly number[], p: number): number {
  const s = sorted(values);
  const rank = (p / 100) * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return s[lo] + (s[hi] - s[lo]) * (rank - lo);
}

/** The median. */
export const median = (values: readonly number[]): number =>
  percentile(values, 50);

/**
 * The median of per-round ratios `a[i] / b[i]`: each pair was measured in the
 * same round, so drift of a shared, noisy machine cancels out.
 */
export function pairedRatio(
  a: readonly number[],
  b: readonly number[],
): number {
  if (a.length !== b.length) throw new Error("unpaired samples");
  return median(a.map((x, i) => x / b[i]));
}

/** Rotates `items` by `round`, so each variant takes every slot in turn. */
export function rotate<T>(items: readonly T[], round: number): T[] {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
