/**
 * Log-spaced price bands on the 1-2-5 series: `0-1`, `1-2`, `2-5`, `5-10`, `10-20`, … `20000-50000`,
 * `50000+` (lower bound inclusive). Each band is about ×2–2.5 wider than the one before, which matches
 * how shoppers think of price ("around 20", "a few hundred") better than equal-width bands.
 */
const BOUNDS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000] as const;

export const PRICE_BANDS: readonly string[] = [
  ...BOUNDS.map((upper, i) => `${i === 0 ? 0 : BOUNDS[i - 1]}-${upper}`),
  `${BOUNDS[BOUNDS.length - 1]}+`,
];

/** The band of a price, or null when there is no usable price. */
export function priceBand(price: unknown): string | null {
  if (typeof price !== "number" || !Number.isFinite(price) || price < 0) return null;
  const index = BOUNDS.findIndex((upper) => price < upper);
  return PRICE_BANDS[index < 0 ? BOUNDS.length : index] ?? null;
}
