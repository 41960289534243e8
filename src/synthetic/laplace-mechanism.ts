/** One draw of Laplace(0, scale) by the inverse CDF, from the caller's seeded generator. */
export function laplaceNoise(random: () => number, scale: number): number {
  if (!(scale >= 0) || !Number.isFinite(scale)) throw new RangeError(`Laplace scale must be a finite number >= 0, got ${scale}`);
  const u = random() - 0.5;
  return -scale * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
}

export interface NoisyCountsOptions {
  /** ε spent on this table. Infinity: the exact counts (no privacy). */
  epsilon: number;
  /** L1 sensitivity: how much one user can change the table's counts in total (after clipping). */
  sensitivity: number;
  /**
   * The keys are not public (e.g. query texts): a key is released only when its noisy count passes
   * τ = 1 + (Δ/ε)·ln(Δ / (2δ)), which makes releasing the key set (ε, δ)-DP (a key only one user has
   * counts 1 and is released with probability ≤ δ/Δ; one user holds at most Δ such keys). Leave it
   * out for tables over a public domain (catalog items, ranks, histogram bins), where every key of
   * `domain` gets a noisy count, seen or not.
   */
  delta?: number;
  /** The public domain of the table (keys with a count of 0 included). */
  domain?: Iterable<string>;
}

/**
 * The Laplace mechanism on a count table: each count + Laplace(Δ/ε), then clamped at 0 (post-processing,
 * free). With `delta`, private keys are thresholded as described above.
 */
export function noisyCounts(counts: ReadonlyMap<string, number>, random: () => number, options: NoisyCountsOptions): Map<string, number> {
  const { epsilon, sensitivity } = options;
  if (!(epsilon > 0)) throw new RangeError(`epsilon must be > 0, got ${epsilon}`);
  if (!(sensitivity > 0) || !Number.isFinite(sensitivity)) throw new RangeError(`sensitivity must be a finite number > 0, got ${sensitivity}`);
  if (epsilon === Infinity) return new Map(counts);
  const scale = sensitivity / epsilon;
  const out = new Map<string, number>();
  if (options.delta !== undefined) {
    if (!(options.delta > 0 && options.delta < 1)) throw new RangeError(`delta must be in (0, 1), got ${options.delta}`);
    const threshold = releaseThreshold(epsilon, sensitivity, options.delta);
    // Sorted, so the noise each key gets does not depend on the order the counts were gathered in.
    for (const key of [...counts.keys()].sort()) {
      const noisy = (counts.get(key) as number) + laplaceNoise(random, scale);
      if (noisy > threshold) out.set(key, noisy);
    }
    return out;
  }
  const keys = new Set(options.domain ?? []);
  for (const key of counts.keys()) keys.add(key);
  for (const key of [...keys].sort()) out.set(key, Math.max(0, (counts.get(key) ?? 0) + laplaceNoise(random, scale)));
  return out;
}

/** τ of {@link NoisyCountsOptions.delta}: released keys' noisy counts must exceed it. */
export function releaseThreshold(epsilon: number, sensitivity: number, delta: number): number {
  return 1 + (sensitivity / epsilon) * Math.log(sensitivity / (2 * delta));
}
