/**
 * Rule-based title rewriting for catalog variants: synonyms, word order and unit formatting. Titles are
 * split on spaces and rewritten token by token; the only regular expressions are anchored, single-token
 * checks without nested quantifiers (linear in the token's length).
 */

/** Both directions are used: a title with either word gets the other. */
const SYNONYMS: readonly (readonly [string, string])[] = [
  ["tv", "television"],
  ["laptop", "notebook"],
  ["cordless", "wireless"],
  ["cellphone", "mobile phone"],
  ["headphones", "headset"],
  ["bulb", "lamp"],
  ["couch", "sofa"],
  ["sneakers", "trainers"],
  ["kit", "set"],
  ["heavy duty", "heavy-duty"],
  ["stainless steel", "stainless"],
  ["game", "video game"],
];

/** Unit spellings: short form (joined to the number) and long form (hyphenated). */
const UNITS: Readonly<Record<string, { short: string; long: string }>> = {
  oz: { short: "oz", long: "ounce" },
  ounce: { short: "oz", long: "ounce" },
  in: { short: "in", long: "inch" },
  inch: { short: "in", long: "inch" },
  ft: { short: "ft", long: "foot" },
  foot: { short: "ft", long: "foot" },
  gal: { short: "gal", long: "gallon" },
  gallon: { short: "gal", long: "gallon" },
  lb: { short: "lb", long: "pound" },
  pound: { short: "lb", long: "pound" },
  gb: { short: "GB", long: "gigabyte" },
  tb: { short: "TB", long: "terabyte" },
  v: { short: "V", long: "volt" },
  w: { short: "W", long: "watt" },
  mm: { short: "mm", long: "millimeter" },
  cm: { short: "cm", long: "centimeter" },
};

const NUMBER = /^\d{1,9}(?:\.\d{1,6})?$/;
/** A number glued to letters: "16oz", "128GB". */
const NUMBER_UNIT = /^(\d{1,9}(?:\.\d{1,6})?)([A-Za-z]{1,10})\.?$/;

function unitOf(token: string): { short: string; long: string } | undefined {
  const bare = token.endsWith(".") ? token.slice(0, -1) : token;
  return UNITS[bare.toLowerCase()];
}

/** "16 oz." ↔ "16oz" ↔ "16-ounce", alternating by `style`. */
export function rewriteUnits(title: string, style: 0 | 1 | 2): string {
  const tokens = title.split(" ");
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    const next = tokens[i + 1];
    let value: string | undefined;
    let unit: { short: string; long: string } | undefined;
    if (NUMBER.test(token) && next !== undefined && (unit = unitOf(next))) {
      value = token;
      i += 1;
    } else {
      const glued = NUMBER_UNIT.exec(token);
      if (glued && (unit = unitOf(glued[2] as string))) value = glued[1];
    }
    if (value === undefined || !unit) {
      out.push(token);
      continue;
    }
    out.push(style === 0 ? `${value} ${unit.short}.` : style === 1 ? `${value}${unit.short}` : `${value}-${unit.long}`);
  }
  return out.join(" ");
}

/** Replaces the first synonym found (whole words, case-insensitive) by its partner. */
export function rewriteSynonym(title: string, random: () => number): string {
  const lower = ` ${title.toLowerCase()} `;
  const found: { from: string; to: string; at: number }[] = [];
  for (const [a, b] of SYNONYMS) {
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      const at = lower.indexOf(` ${from} `);
      if (at >= 0) found.push({ from, to, at });
    }
  }
  const choice = found[Math.floor(random() * found.length)];
  if (!choice) return title;
  return title.slice(0, choice.at) + choice.to + title.slice(choice.at + choice.from.length);
}

/** Swaps the parts of a title around its first " - ", " / " or ", " separator, else moves the last word first. */
export function rewriteWordOrder(title: string): string {
  for (const separator of [" - ", " / ", ", "]) {
    const at = title.indexOf(separator);
    if (at > 0) return `${title.slice(at + separator.length)}${separator}${title.slice(0, at)}`;
  }
  const words = title.split(" ");
  if (words.length < 2) return title;
  return [words[words.length - 1], ...words.slice(0, -1)].join(" ");
}

/** Replaces every whole-word, case-insensitive occurrence of `from` by `to` (literal: no pattern built from data). */
export function replaceWord(text: string, from: string, to: string): string {
  // Lower-casing can change a string's length (e.g. "İ"); positions would then not line up.
  if (from === "" || text.toLowerCase().length !== text.length || from.toLowerCase().length !== from.length) return text;
  const lowerText = text.toLowerCase();
  const lowerFrom = from.toLowerCase();
  let out = "";
  let position = 0;
  for (let at = lowerText.indexOf(lowerFrom); at >= 0; at = lowerText.indexOf(lowerFrom, at + lowerFrom.length)) {
    const before = at === 0 ? " " : (lowerText[at - 1] as string);
    const after = lowerText[at + lowerFrom.length] ?? " ";
    if (/[\p{L}\p{N}]/u.test(before) || /[\p{L}\p{N}]/u.test(after)) continue;
    out += text.slice(position, at) + to;
    position = at + from.length;
  }
  return out + text.slice(position);
}
