import { DamerauLevenshteinDistance } from "natural/lib/natural/distance";
import { normalizeText } from "./text-normalize";

export interface SpellCorrectorOptions {
  /** Largest edit distance corrected (Damerau, adjacent swaps count 1). @defaultValue 2 */
  maxEditDistance: number;
  /** Words shorter than this are never corrected (too many near neighbours). @defaultValue 4 */
  minWordLength: number;
  /** Words up to this length are corrected by at most one edit. @defaultValue 5 */
  oneEditMaxLength: number;
  /** Vocabulary words seen fewer times are ignored as correction targets (catalog typos). @defaultValue 2 */
  minCount: number;
  /** Prefix length indexed, as in SymSpell: bounds the delete index without losing corrections in practice. @defaultValue 7 */
  prefixLength: number;
}

export const DEFAULT_SPELL_OPTIONS: Readonly<SpellCorrectorOptions> = Object.freeze({
  maxEditDistance: 2,
  minWordLength: 4,
  oneEditMaxLength: 5,
  minCount: 2,
  prefixLength: 7,
});

/**
 * Query spelling correction from the catalog's own vocabulary, by the symmetric-delete method
 * (SymSpell): every vocabulary word's deletions are indexed once, so a lookup only generates the
 * deletions of the query word. Words already in the vocabulary, and numbers, are never touched.
 */
export class SpellCorrector {
  readonly options: SpellCorrectorOptions;
  private readonly counts: ReadonlyMap<string, number>;
  /** deletion variant → indexes into `words`. */
  private readonly deletes = new Map<string, number[]>();
  private readonly words: string[] = [];

  constructor(vocabulary: ReadonlyMap<string, number>, options: Partial<SpellCorrectorOptions> = {}) {
    this.options = { ...DEFAULT_SPELL_OPTIONS, ...options };
    if (this.options.maxEditDistance < 0 || this.options.maxEditDistance > 3) {
      throw new Error(`maxEditDistance must be 0..3, got ${this.options.maxEditDistance}`);
    }
    this.counts = vocabulary;
    for (const [word, count] of vocabulary) {
      if (count < this.options.minCount || !/^[a-z]+$/.test(word) || word.length < this.options.minWordLength - this.options.maxEditDistance) continue;
      const index = this.words.push(word) - 1;
      for (const variant of this.variants(word.slice(0, this.options.prefixLength), this.options.maxEditDistance)) {
        const list = this.deletes.get(variant);
        if (list) list.push(index);
        else this.deletes.set(variant, [index]);
      }
    }
  }

  get vocabularySize(): number {
    return this.counts.size;
  }

  /** The best vocabulary word for `word`, or `word` itself when it is known, too short, numeric or has no close match. */
  correctWord(word: string): string {
    if (this.counts.has(word) || word.length < this.options.minWordLength || !/^[a-z]+$/.test(word)) return word;
    const limit = word.length <= this.options.oneEditMaxLength ? Math.min(1, this.options.maxEditDistance) : this.options.maxEditDistance;
    let best = word;
    let bestDistance = limit + 1;
    let bestCount = 0;
    const checked = new Set<number>();
    for (const variant of this.variants(word.slice(0, this.options.prefixLength), limit)) {
      for (const index of this.deletes.get(variant) ?? []) {
        if (checked.has(index)) continue;
        checked.add(index);
        const candidate = this.words[index] as string;
        if (Math.abs(candidate.length - word.length) > limit) continue;
        const distance = DamerauLevenshteinDistance(word, candidate, { restricted: true });
        const count = this.counts.get(candidate) ?? 0;
        if (distance < bestDistance || (distance === bestDistance && count > bestCount)) {
          best = candidate;
          bestDistance = distance;
          bestCount = count;
        }
      }
    }
    return bestDistance <= limit ? best : word;
  }

  /** Corrects each unknown word of the (normalized) query; known words, numbers and units stay as they are. */
  correct(text: string): string {
    // A text repeating one unknown word many times looks it up once.
    const corrected = new Map<string, string>();
    return normalizeText(text)
      .split(" ")
      .map((token) => {
        if (!/^[a-z]+$/.test(token)) return token;
        let word = corrected.get(token);
        if (word === undefined) {
          word = this.correctWord(token);
          corrected.set(token, word);
        }
        return word;
      })
      .join(" ");
  }

  /** The word and all its deletions up to `distance` characters. */
  private variants(word: string, distance: number): Set<string> {
    const out = new Set<string>([word]);
    let frontier = [word];
    for (let d = 0; d < distance; d++) {
      const next: string[] = [];
      for (const item of frontier) {
        if (item.length <= 1) continue;
        for (let i = 0; i < item.length; i++) {
          const variant = item.slice(0, i) + item.slice(i + 1);
          if (!out.has(variant)) {
            out.add(variant);
            next.push(variant);
          }
        }
      }
      frontier = next;
    }
    return out;
  }
}

/** Word → count over the normalized words of many texts: the vocabulary a corrector is built from. */
export function countWords(texts: Iterable<string>, words: (text: string) => string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts) for (const word of words(text)) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}
