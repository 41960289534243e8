/** Sorted copy with the non-finite values dropped. */
function sortedFinite(values: ArrayLike<number>): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const x = values[i] as number;
    if (Number.isFinite(x)) out.push(x);
  }
  return Float64Array.from(out).sort();
}

/**
 * Walks both empirical CDFs over the merged distinct values, calling `visit(x, next, fa, fb)` with
 * each value, the next distinct value (Infinity after the last) and both CDFs just after `x`.
 */
function sweep(a: Float64Array, b: Float64Array, visit: (x: number, next: number, fa: number, fb: number) => void): void {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = Math.min(i < a.length ? (a[i] as number) : Number.POSITIVE_INFINITY, j < b.length ? (b[j] as number) : Number.POSITIVE_INFINITY);
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
    const next = Math.min(i < a.length ? (a[i] as number) : Number.POSITIVE_INFINITY, j < b.length ? (b[j] as number) : Number.POSITIVE_INFINITY);
    visit(x, next, i / a.length, j / b.length);
  }
}

/** Two-sample Kolmogorov–Smirnov statistic sup_x |F_a(x) − F_b(x)| (ties handled); null when a sample is empty. O((n+m) log(n+m)). */
export function ksStatistic(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  const sa = sortedFinite(a);
  const sb = sortedFinite(b);
  if (sa.length === 0 || sb.length === 0) return null;
  let d = 0;
  sweep(sa, sb, (_x, _next, fa, fb) => (d = Math.max(d, Math.abs(fa - fb))));
  return d;
}

/** Wasserstein-1 (earth mover's) distance ∫ |F_a − F_b| dx between the empirical distributions, in the values' unit; null when a sample is empty. */
export function wasserstein1(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  const sa = sortedFinite(a);
  const sb = sortedFinite(b);
  if (sa.length === 0 || sb.length === 0) return null;
  let w = 0;
  sweep(sa, sb, (x, next, fa, fb) => {
    if (Number.isFinite(next)) w += Math.abs(fa - fb) * (next - x);
  });
  return w;
}

/** Both counts as probabilities over the union of their keys (a key missing on one side has probability 0 there). */
function aligned(p: ReadonlyMap<string, number>, q: ReadonlyMap<string, number>): { pp: number[]; qq: number[] } | null {
  const total = (m: ReadonlyMap<string, number>) => [...m.values()].reduce((s, v) => s + Math.max(0, v), 0);
  const tp = total(p);
  const tq = total(q);
  if (tp <= 0 || tq <= 0) return null;
  const keys = [...new Set([...p.keys(), ...q.keys()])];
  return { pp: keys.map((k) => Math.max(0, p.get(k) ?? 0) / tp), qq: keys.map((k) => Math.max(0, q.get(k) ?? 0) / tq) };
}

/** Total variation distance ½ Σ |p − q| between two categorical distributions given as counts; in [0, 1]; null when one is empty. */
export function totalVariation(p: ReadonlyMap<string, number>, q: ReadonlyMap<string, number>): number | null {
  const a = aligned(p, q);
  if (!a) return null;
  return 0.5 * a.pp.reduce((s, x, i) => s + Math.abs(x - (a.qq[i] as number)), 0);
}

/** Jensen–Shannon divergence (base-2 logs, so in [0, 1]) between two categorical distributions given as counts; null when one is empty. */
export function jensenShannon(p: ReadonlyMap<string, number>, q: ReadonlyMap<string, number>): number | null {
  const a = aligned(p, q);
  if (!a) return null;
  let js = 0;
  a.pp.forEach((x, i) => {
    const y = a.qq[i] as number;
    const m = (x + y) / 2;
    if (x > 0) js += 0.5 * x * Math.log2(x / m);
    if (y > 0) js += 0.5 * y * Math.log2(y / m);
  });
  return Math.max(0, js);
}
