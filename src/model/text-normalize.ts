/**
 * Text normalization shared by documents and queries: one code path, so the same words land in the
 * same hash buckets on both sides.
 */

/** Units written many ways in catalogs and queries → one canonical token. "inch" (not "in") keeps the preposition apart. */
const UNIT_ALIASES: readonly (readonly [RegExp, string])[] = [
  [/^(?:sq\.?\s*ft\.?|square\s+f(?:ee|oo)t|sqft)$/, "sqft"],
  [/^(?:cu\.?\s*ft\.?|cubic\s+f(?:ee|oo)t|cuft)$/, "cuft"],
  [/^(?:in\.?|inch(?:es)?|"|''|”|″)$/, "inch"],
  [/^(?:ft\.?|feet|foot|'|’|′)$/, "ft"],
  [/^(?:lbs?\.?|pounds?)$/, "lb"],
  [/^(?:oz\.?|ounces?)$/, "oz"],
  [/^(?:gal\.?|gallons?)$/, "gal"],
  [/^(?:qt\.?|quarts?)$/, "qt"],
  [/^(?:mm|millimeters?)$/, "mm"],
  [/^(?:cm|centimeters?)$/, "cm"],
  [/^(?:v|volts?|volt)$/, "volt"],
  [/^(?:w|watts?)$/, "watt"],
  [/^(?:amps?|a|amperes?)$/, "amp"],
  [/^(?:btus?)$/, "btu"],
  [/^(?:pk|pack|pcs?|pieces?)$/, "pack"],
];

/**
 * A number (with optional decimal or fraction) immediately followed by a unit spelling, with or without a space or hyphen.
 * Linear time: `(?<!\d)` starts a match only at the first digit of a run (a match from inside the run would also
 * match from its start, so nothing changes but the quadratic retries on long digit runs), and `\s*(?:-\s*)?`
 * is `\s*-?\s*` without the two adjacent `\s*` that split a run of spaces every possible way.
 */
const NUMBER_UNIT =
  /(?<!\d)(\d+(?:[.,]\d+)?(?:\/\d+)?)\s*(?:-\s*)?(sq\.?\s*ft\.?|square\s+f(?:ee|oo)t|cu\.?\s*ft\.?|cubic\s+f(?:ee|oo)t|inch(?:es)?|in\.?(?![a-z])|"|''|ft\.?(?![a-z])|feet|foot|'|lbs?\.?(?![a-z])|pounds?|oz\.?(?![a-z])|ounces?|gal\.?(?![a-z])|gallons?|qt\.?(?![a-z])|quarts?|mm(?![a-z])|cm(?![a-z])|volts?|v(?![a-z])|watts?|w(?![a-z])|amps?|a(?![a-z])|btus?(?![a-z]))/g;

/** Standalone unit words (not after a number) that are unambiguous. */
const STANDALONE_UNITS: ReadonlyMap<string, string> = new Map([
  ["inch", "inch"],
  ["inches", "inch"],
  ["feet", "ft"],
  ["foot", "ft"],
  ["pound", "lb"],
  ["pounds", "lb"],
  ["lbs", "lb"],
  ["gallon", "gal"],
  ["gallons", "gal"],
  ["ounce", "oz"],
  ["ounces", "oz"],
  ["volts", "volt"],
  ["watts", "watt"],
  ["amps", "amp"],
  ["sqft", "sqft"],
]);

/** Same result as replacing `\s+` with one space, without rewriting every single space (the common case). */
const WHITESPACE_TO_COLLAPSE = /\s{2,}|[^\S ]/g;

/** One mark at a time: `\p{M}+` over a long run of marks is many times slower in V8, for the same result. */
const COMBINING_MARKS = /\p{M}/gu;

function canonicalUnit(spelling: string): string {
  const compact = spelling.trim();
  for (const [pattern, unit] of UNIT_ALIASES) if (pattern.test(compact)) return unit;
  return compact;
}

/**
 * Lowercases, folds accents (NFKD, combining marks dropped), unifies quotes, fraction slashes and
 * thousands separators, and rewrites number+unit spellings (`1/2 in.`, `12V`, `3-ft`) as `<number> <unit>`.
 */
export function normalizeText(text: string): string {
  // NFKD sorts each run of combining marks, quadratic in the run's length; the marks are dropped anyway and no mark
  // decomposes to, or reorders with, anything but marks, so dropping them first changes no output.
  let out = text
    .replace(COMBINING_MARKS, "")
    .normalize("NFKD")
    .replace(COMBINING_MARKS, "")
    .toLowerCase()
    .replace(/[\u2044\u2215]/g, "/")
    .replace(/[\u2018\u2019\u2032]/g, "'")
    .replace(/[\u201c\u201d\u2033]/g, '"')
    .replace(/(\d),(\d{3})(?!\d)/g, "$1$2");
  // "2x4", "2 x 4 in." — the dimension separator becomes its own token.
  out = out.replace(/(\d)\s*x\s*(?=\d)/g, "$1 x ");
  // "1-1/2" (mixed number) keeps both parts as separate tokens.
  out = out.replace(/(\d)-(\d+\/\d+)/g, "$1 $2");
  out = out.replace(NUMBER_UNIT, (_match, number: string, unit: string) => ` ${number.replace(",", ".")} ${canonicalUnit(unit)} `);
  return out.replace(WHITESPACE_TO_COLLAPSE, " ").trim();
}

/** Words of normalized text: letters/digits, keeping `.` and `/` only inside numbers (`1.5`, `3/4`). */
export function tokenize(normalized: string): string[] {
  const tokens: string[] = [];
  for (const raw of normalized.split(/[^a-z0-9./]+/)) {
    if (raw === "") continue;
    // A dot or slash not between two digits is punctuation.
    for (const part of raw.split(/(?<!\d)[./]|[./](?!\d)/)) {
      if (part === "") continue;
      tokens.push(STANDALONE_UNITS.get(part) ?? part);
    }
  }
  return tokens;
}

/** Words too common to carry meaning on their own; they still separate bigrams. */
export const STOPWORDS: ReadonlySet<string> = new Set([
  "a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "is", "it", "of", "on", "or", "the", "to", "with", "w", "&",
]);
