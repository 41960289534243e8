/**
 * The one table of adversarial inputs and of the functions that clean, featurize or validate user
 * text, shared by test/model/linear-time.test.ts and the worker that times each pair. Every input is
 * about 1 MB: a quadratic regex takes minutes on it, a linear one well under a second.
 */
import { FIELD_LIMITS, cleanProduct, contentHash, type Product, type RawRecord } from "../../src/indexing";
import { detectJudgmentFormat } from "../../src/eval/read-judgments";
import { parseTrecQrels } from "../../src/eval/trec-qrels";
import { guessCatalogFormat } from "../../src/indexing/catalog-reader";
import { queryKey } from "../../src/model/query-key";
import { SpellCorrector, countWords } from "../../src/model/spell-corrector";
import { TextFeaturizer } from "../../src/model/text-features";
import { normalizeText, tokenize } from "../../src/model/text-normalize";
import { bm25Query, normalizeQuery, searchRequestSchema } from "../../src/search";
import { generateSampleCatalog, pick, seededRandom } from "../../src/synthetic";

export const MEGABYTE = 1 << 20;

/** `piece` repeated to about 1 MB. */
function repeat(piece: string): string {
  return piece.repeat(Math.ceil(MEGABYTE / piece.length));
}

const MIXED_PIECES = [" ", "   ", "\t", "\n", "1", "12", "1/2", "1,000", "-", " - ", "/", ">", "|", " / ", "<", "<b>", "&", "&amp;", "&nbsp", ";", "x", " x ", "in", "in.", "sq", "ft", "'", '"', "\u0301", "\u0316", "e", "drill", "ß", "ﬁ", "."];

/** Name → a 1 MB adversarial string (built on first use, then kept). */
export const ADVERSARIAL_INPUTS: Readonly<Record<string, () => string>> = {
  "spaces": () => `a${repeat(" ")}b`,
  "tabs and newlines": () => `a${repeat(" \t\n\r\u00a0")}b`,
  "digits": () => repeat("1"),
  "digits then spaces": () => `1${repeat(" ")}`,
  "digits, spaces and hyphens": () => repeat("1 - "),
  "category separators": () => repeat("/>|"),
  "separators between spaces": () => repeat(" / > | "),
  "'<' without '>'": () => repeat("<"),
  "'<' then text, no '>'": () => `<${repeat("a")}`,
  "entities": () => repeat("&amp;&nbsp&#39;&"),
  "number and unit fragments": () => repeat("1 1 1 1 in in "),
  "unit words after spaces": () => `1 sq${repeat(" ")}`,
  "dimension separators": () => repeat("1 x "),
  "thousands separators": () => `1${repeat(",000")}`,
  "mixed numbers": () => repeat("1-1/"),
  "combining marks": () => `a${repeat("\u0301\u0316")}`,
  "combining marks, reverse order": () => `a${"\u0301".repeat(MEGABYTE / 2)}${"\u0316".repeat(MEGABYTE / 2)}`,
  "dots and slashes": () => repeat("./"),
  "one long word": () => repeat("abcdefghij"),
  "mixed": () => {
    const random = seededRandom(7);
    let out = "";
    while (out.length < MEGABYTE) out += pick(random, MIXED_PIECES);
    return out;
  },
};

const built = new Map<string, string>();

export function adversarialInput(name: string): string {
  let input = built.get(name);
  if (input === undefined) {
    const make = ADVERSARIAL_INPUTS[name];
    if (!make) throw new Error(`no adversarial input "${name}"`);
    input = make();
    built.set(name, input);
  }
  return input;
}

const featurizer = new TextFeaturizer();
let corrector: SpellCorrector | undefined;

/** A corrector with the sample catalog's vocabulary, as the served embedder has its catalog's. */
function spellCorrector(): SpellCorrector {
  corrector ??= new SpellCorrector(
    countWords(
      Array.from(generateSampleCatalog({ count: 500 }), (record) => String(record.title)),
      (text) => featurizer.words(text),
    ),
  );
  return corrector;
}

const record = (fields: RawRecord): RawRecord => ({ id: "p1", title: "drill", ...fields });
/** The input cut to a cap, so cleaning (not the cap) is what runs. */
const upTo = (input: string, limit: number) => input.slice(0, limit);
/** A product whose fields share the input between them (about 1 MB in all). */
const product = (input: string): Product => {
  const [title = "", description = "", brand = "", category = "", attribute = "", note = ""] = Array.from({ length: 6 }, (_, i) =>
    input.slice((i * input.length) / 6, ((i + 1) * input.length) / 6),
  );
  return { id: "p1", title, description, brand, category: [category], attributes: { [attribute.slice(0, 100)]: attribute }, extra: { note } };
};
const searchSchema = searchRequestSchema({ hybridCandidates: 100 });

/** Name → a function of user text that must run in linear time. */
export const TIMED_FUNCTIONS: Readonly<Record<string, (input: string) => unknown>> = {
  "cleanProduct: id": (input) => cleanProduct(record({ id: input })),
  "cleanProduct: title": (input) => cleanProduct(record({ title: input })),
  "cleanProduct: title at its cap": (input) => cleanProduct(record({ title: upTo(input, FIELD_LIMITS.title) })),
  "cleanProduct: description": (input) => cleanProduct(record({ description: input })),
  "cleanProduct: description at its cap": (input) => cleanProduct(record({ description: upTo(input, FIELD_LIMITS.description) })),
  "cleanProduct: brand": (input) => cleanProduct(record({ brand: input })),
  "cleanProduct: category path": (input) => cleanProduct(record({ category: input })),
  "cleanProduct: category array": (input) => cleanProduct(record({ category: [input, "Tools"] })),
  "cleanProduct: category segments at their cap": (input) =>
    cleanProduct(record({ category: Array.from({ length: FIELD_LIMITS.categorySegments }, (_, i) => input.slice(i * 1000, i * 1000 + FIELD_LIMITS.categorySegment)) })),
  "cleanProduct: price": (input) => cleanProduct(record({ price: input })),
  "cleanProduct: attribute key": (input) => cleanProduct(record({ attributes: { [input]: "x" } })),
  "cleanProduct: attribute value": (input) => cleanProduct(record({ attributes: { size: input } })),
  "cleanProduct: attribute values at their cap": (input) =>
    cleanProduct(record({ attributes: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, input.slice(i * 100, i * 100 + FIELD_LIMITS.attributeValue)])) })),
  "cleanProduct: unknown field": (input) => cleanProduct(record({ notes: input })),
  "contentHash": (input) => contentHash(product(input)),
  "normalizeText": (input) => normalizeText(input),
  "tokenize (raw text)": (input) => tokenize(input),
  "tokenize (normalized text)": (input) => tokenize(normalizeText(input)),
  "query features (embedder)": (input) => featurizer.queryFeatures(input),
  "product features (embedder)": (input) => featurizer.productFeatures(product(input)),
  "spelling correction": (input) => spellCorrector().correct(input),
  "query cache key": (input) => normalizeQuery(input),
  "model query key": (input) => queryKey(input),
  "bm25Query": (input) => bm25Query(input, { brand: input, category: [input] }),
  "search request validation": (input) => searchSchema.safeParse({ q: input, pipeline: "hybrid", filters: { brand: input, category: input } }),
  "judgment format detection": (input) => detectJudgmentFormat("judgments.txt", input),
  "TREC qrels reader": (input) => {
    try {
      return parseTrecQrels(input, "adversarial.qrels");
    } catch (err) {
      return err;
    }
  },
  "catalog format guess": (input) => guessCatalogFormat(input),
};
