/**
 * A box plot's fences (Tukey's: 1.5 × the box's height beyond each quartile), where a whisker ends
 * and an outlier begins, on the values as the axis spaces them: on a log axis the fences are those
 * of the values' logarithms (q1 ÷ (q3/q1)^1.5 and q3 × (q3/q1)^1.5), as the box is drawn. Fences on
 * the raw values, which Plot's boxY uses, are lopsided on a log axis: the lower one below zero (no
 * low value ever an outlier, the whisker down to the least), the upper one a fraction of a decade
 * above the box (12.2–12.4 % of each tier of usage by tier at a million organizations drawn as
 * outliers, all of them high ones). ggplot2 computes a box plot on a log scale on the logarithms
 * too. The box plots from every point and from Polars aggregates (chart_aggregates.ts) both take
 * their fences from fences(), so an organization is an outlier in both or in neither.
 */

/** The lower and upper fence of values with quartiles `q1` and `q3`, on a log axis or not. */
export function fences(q1: number, q3: number, { log }: { log: boolean }): [number, number] {
  if (!log) return [q1 * 2.5 - q3 * 1.5, q3 * 2.5 - q1 * 1.5];
  const [l1, l3] = [Math.log10(q1), Math.log10(q3)];
  return [10 ** (l1 * 2.5 - l3 * 1.5), 10 ** (l3 * 2.5 - l1 * 1.5)];
}

/** The whiskers' ends: the lowest and highest value within the fences. */
export function whiskers(
  values: number[],
  { q1, q3, log }: { q1: number; q3: number; log: boolean },
): [number, number] {
  const [lo, hi] = fences(q1, q3, { log });
  const inside = values.filter((v) => v >= lo && v <= hi);
  return [Math.min(...inside), Math.max(...inside)];
}
