/**
 * What values a raw feature can take, read off the real rows, so generated rows stay plausible:
 * - `binary`: only 0 and 1 seen (found-by flags, `has_price`, `synthetic`) → rounded to 0 or 1
 * - `count`: whole numbers ≥ 0 (`query_terms`, `title_terms`, `category_depth`, `history_items`) → rounded, ≥ 0
 * - `nonNegative`: real values ≥ 0 (scores, overlaps, log counts, shares) → clamped at 0
 * - `real`: anything else
 * Every kind is also clamped to the range seen in the real rows, and a non-negative feature whose real
 * rows include exact zeros keeps that point mass: a generated value below half the smallest non-zero
 * real value becomes 0 (a decoder's continuous output would otherwise smear it into small positives).
 */
export type FeatureKind = "binary" | "count" | "nonNegative" | "real";

export interface FeatureRange {
  name: string;
  kind: FeatureKind;
  min: number;
  max: number;
  /** Smallest value > 0 seen, when zeros were seen too (a point mass at 0); else null. */
  zeroMassBelow: number | null;
}

/** @throws Error when a row's length differs from `names`, or there are no rows. */
export function inferFeatureRanges(names: readonly string[], rows: Iterable<ArrayLike<number>>): FeatureRange[] {
  const f = names.length;
  const min = new Float64Array(f).fill(Number.POSITIVE_INFINITY);
  const max = new Float64Array(f).fill(Number.NEGATIVE_INFINITY);
  const binary = new Array<boolean>(f).fill(true);
  const integer = new Array<boolean>(f).fill(true);
  const zero = new Array<boolean>(f).fill(false);
  const smallestPositive = new Float64Array(f).fill(Number.POSITIVE_INFINITY);
  let count = 0;
  for (const row of rows) {
    if (row.length !== f) throw new Error(`a feature row has ${row.length} values, ${f} names were given`);
    count++;
    for (let i = 0; i < f; i++) {
      const x = row[i] as number;
      if (!Number.isFinite(x)) continue;
      if (x < (min[i] as number)) min[i] = x;
      if (x > (max[i] as number)) max[i] = x;
      if (x !== 0 && x !== 1) binary[i] = false;
      if (!Number.isInteger(x)) integer[i] = false;
      if (x === 0) zero[i] = true;
      else if (x > 0 && x < (smallestPositive[i] as number)) smallestPositive[i] = x;
    }
  }
  if (count === 0) throw new Error("no rows to read the feature ranges from");
  return names.map((name, i) => {
    const lo = Number.isFinite(min[i]) ? (min[i] as number) : 0;
    const hi = Number.isFinite(max[i]) ? (max[i] as number) : 0;
    const kind: FeatureKind = binary[i] ? "binary" : integer[i] && lo >= 0 ? "count" : lo >= 0 ? "nonNegative" : "real";
    const zeroMassBelow = kind !== "real" && kind !== "binary" && zero[i] && Number.isFinite(smallestPositive[i]) ? (smallestPositive[i] as number) : null;
    return { name, kind, min: lo, max: hi, zeroMassBelow };
  });
}

/** Makes a generated row respect each feature's kind and observed range (in place). */
export function conformRow(row: Float64Array, ranges: readonly FeatureRange[]): Float64Array {
  ranges.forEach((range, i) => {
    let x = row[i] as number;
    if (!Number.isFinite(x)) x = range.min;
    if (range.kind === "binary") x = x >= 0.5 ? 1 : 0;
    else if (range.kind === "count") x = Math.round(x);
    else if (range.zeroMassBelow !== null && x < range.zeroMassBelow / 2) x = 0;
    row[i] = Math.min(range.max, Math.max(range.min, x));
  });
  return row;
}
