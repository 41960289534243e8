import { MS_PER_DAY } from "../shared/time-units";

/**
 * Exponential time decay without rewriting stored entries. A weight `w` observed at time `t` is
 * stored as `w · e^{λ(t − t0)}` against a fixed epoch `t0` (per profile, or one for all signals), so
 * adding an event is a plain increment; reading at `now` multiplies by `e^{−λ(now − t0)}`, which gives
 * `Σ w · 2^{−(now − t)/halfLife}`. Exponents are clamped to ±700 (doubles end near e^709), which leaves
 * about 1,000 half-lives after the epoch before scores saturate.
 */

const MAX_EXPONENT = 700;

/** λ per millisecond for a half-life in days. */
export function decayRate(halfLifeDays: number): number {
  return Math.LN2 / (halfLifeDays * MS_PER_DAY);
}

/** A stored (scaled) score read back as the decayed weight at `now`. */
export function decayedWeight(stored: number, rate: number, epoch: number, now: number): number {
  if (!(stored > 0)) return 0;
  const exponent = Math.log(stored) - rate * (now - epoch);
  return exponent < -MAX_EXPONENT ? 0 : Math.exp(exponent);
}
