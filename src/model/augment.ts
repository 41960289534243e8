import { type Rng } from "./rng";
import { STOPWORDS } from "./text-normalize";

export interface PseudoQueryOptions {
  /** Longest span of title words taken. @defaultValue 4 */
  maxWords: number;
  /** Chance of dropping one word of the span (when it has more than one). @defaultValue 0.2 */
  wordDropout: number;
  /** Chance of one character typo (swap, delete, insert or substitute) in a word of ≥ 4 letters. @defaultValue 0.25 */
  typoRate: number;
  /** Chance of cutting the last word to a prefix (as typed-ahead queries do). @defaultValue 0.1 */
  prefixRate: number;
}

export const DEFAULT_PSEUDO_QUERY_OPTIONS: Readonly<PseudoQueryOptions> = Object.freeze({
  maxWords: 4,
  wordDropout: 0.2,
  typoRate: 0.25,
  prefixRate: 0.1,
});

const LETTERS = "abcdefghijklmnopqrstuvwxyz";

/** One character edit, the kind users make. */
export function typo(word: string, rng: Rng): string {
  if (word.length < 4) return word;
  const at = 1 + rng.int(word.length - 2);
  switch (rng.int(4)) {
    case 0:
      return word.slice(0, at - 1) + word.charAt(at) + word.charAt(at - 1) + word.slice(at + 1);
    case 1:
      return word.slice(0, at) + word.slice(at + 1);
    case 2:
      return word.slice(0, at) + LETTERS.charAt(rng.int(26)) + word.slice(at);
    default:
      return word.slice(0, at) + LETTERS.charAt(rng.int(26)) + word.slice(at + 1);
  }
}

/**
 * A query a shopper might have typed for a product, made from its title words: a short span, maybe
 * missing a word, maybe with a typo or a truncated last word. Used where real queries are sparse.
 */
export function pseudoQuery(titleWords: readonly string[], rng: Rng, options: PseudoQueryOptions = DEFAULT_PSEUDO_QUERY_OPTIONS): string {
  const content = titleWords.filter((word) => !STOPWORDS.has(word));
  if (content.length === 0) return titleWords.join(" ");
  // Spans of 2–3 words are most common in product search logs.
  const lengths = [1, 2, 2, 3, 3, 3, 4, 4].filter((n) => n <= options.maxWords);
  const length = Math.min(content.length, rng.pick(lengths));
  const start = rng.int(content.length - length + 1);
  const words = content.slice(start, start + length);
  if (words.length > 1 && rng.next() < options.wordDropout) words.splice(rng.int(words.length), 1);
  if (rng.next() < options.typoRate) {
    const candidates = words.map((word, i) => (/^[a-z]{4,}$/.test(word) ? i : -1)).filter((i) => i >= 0);
    if (candidates.length > 0) {
      const i = rng.pick(candidates);
      words[i] = typo(words[i] as string, rng);
    }
  }
  const last = words[words.length - 1] as string;
  if (rng.next() < options.prefixRate && /^[a-z]{5,}$/.test(last)) words[words.length - 1] = last.slice(0, 3 + rng.int(last.length - 3));
  return words.join(" ");
}
