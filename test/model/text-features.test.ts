import { strict as assert } from "node:assert";
import { fnv1a32 } from "../../src/model/hash";
import { TextFeaturizer, type SparseFeatures } from "../../src/model/text-features";
import { normalizeText, tokenize } from "../../src/model/text-normalize";

/** Share of feature weight two bags have in common (Σ min; both sum to 1): what the mean embedding bag shares. */
function overlap(a: SparseFeatures, b: SparseFeatures): number {
  const weights = new Map<number, number>();
  a.ids.forEach((id, i) => weights.set(id, a.weights[i] as number));
  let shared = 0;
  b.ids.forEach((id, i) => (shared += Math.min(weights.get(id) ?? 0, b.weights[i] as number)));
  return shared;
}

describe("text normalization", () => {
  it("folds case and accents and unifies units", () => {
    assert.equal(normalizeText("Café CRÈME"), "cafe creme");
    assert.deepEqual(tokenize(normalizeText("1/2 in. x 10 ft. PVC Pipe")), ["1/2", "inch", "x", "10", "ft", "pvc", "pipe"]);
    assert.deepEqual(tokenize(normalizeText('3/4" copper')), ["3/4", "inch", "copper"]);
    assert.deepEqual(tokenize(normalizeText("milwaukee 18volt drill 2x4")), ["milwaukee", "18", "volt", "drill", "2", "x", "4"]);
    assert.deepEqual(tokenize(normalizeText("1-1/2 inches, 5 gallons of 1,000 sq. ft.")), ["1", "1/2", "inch", "5", "gal", "of", "1000", "sqft"]);
    assert.deepEqual(tokenize(normalizeText("60W LED bulb 1.9 cu. ft.")), ["60", "watt", "led", "bulb", "1.9", "cuft"]);
  });

  it("keeps the word 'in' apart from the inch unit", () => {
    assert.deepEqual(tokenize(normalizeText("Faucet in Chrome")), ["faucet", "in", "chrome"]);
  });
});

describe("TextFeaturizer", () => {
  const featurizer = new TextFeaturizer({ buckets: 1 << 18 });

  it("is deterministic across calls and instances", () => {
    const a = featurizer.queryFeatures("cordless drill 18 volt");
    const b = new TextFeaturizer({ buckets: 1 << 18 }).queryFeatures("cordless drill 18 volt");
    assert.deepEqual([...a.ids], [...b.ids]);
    assert.deepEqual([...a.weights], [...b.weights]);
    assert.equal(fnv1a32("hello"), 0x4f9f2cab, "FNV-1a reference value");
  });

  it("keeps ids in range and weights summing to 1", () => {
    const small = new TextFeaturizer({ buckets: 64 });
    const f = small.productFeatures({ id: "1", title: "Delta Vero 1-Handle Shower Faucet", brand: "Delta", category: ["Bath", "Faucets"] });
    assert.ok(f.ids.every((id) => id >= 0 && id < 64));
    assert.ok(Math.abs(f.weights.reduce((s, w) => s + w, 0) - 1) < 1e-5);
  });

  it("gives a text without words one feature, so its vector is never zero", () => {
    const f = featurizer.queryFeatures("&&&");
    assert.equal(f.ids.length, 1);
    assert.equal(f.weights[0], 1);
  });

  it("treats documents and queries alike and stems plurals", () => {
    const query = featurizer.queryFeatures("shower faucets");
    const doc = featurizer.productFeatures({ id: "1", title: "Shower Faucet" });
    assert.ok(overlap(query, doc) > 0.7, `overlap ${overlap(query, doc)}`);
  });

  it("a typo'd query shares most features with the clean one", () => {
    const clean = featurizer.queryFeatures("refrigerator water filter");
    const typo = featurizer.queryFeatures("refrigirator water filter");
    const twoTypos = featurizer.queryFeatures("refrigirator watr filter");
    const unrelated = featurizer.queryFeatures("garden hose nozzle");
    const typoOverlap = overlap(clean, typo);
    assert.ok(typoOverlap > 0.6, `typo overlap ${typoOverlap}`);
    // Two typos in three words: still far closer than an unrelated query.
    assert.ok(overlap(clean, twoTypos) > 0.3, `two-typo overlap ${overlap(clean, twoTypos)}`);
    assert.ok(overlap(clean, unrelated) < 0.1, `unrelated overlap ${overlap(clean, unrelated)}`);
  });
});
