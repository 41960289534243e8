import { strict as assert } from "node:assert";
import { countWords, SpellCorrector } from "../../src/model/spell-corrector";
import { TextFeaturizer } from "../../src/model/text-features";

const TITLES = [
  "Delta Vero Single Handle Shower Faucet in Chrome",
  "Moen Kitchen Faucet with Pull Down Sprayer",
  "Samsung French Door Refrigerator in Stainless Steel",
  "GE Refrigerator Water Filter",
  "Whirlpool Refrigerator Ice Maker",
  "Milwaukee Cordless Drill Driver Kit",
  "DEWALT Cordless Drill 20-Volt",
  "Toilet Seat Elongated White",
  "Kohler Toilet Seat Round",
  "Garden Hose Nozzle",
];

describe("SpellCorrector", () => {
  const featurizer = new TextFeaturizer();
  const corrector = new SpellCorrector(countWords(TITLES, (t) => featurizer.words(t)), { minCount: 1 });

  it("corrects unknown words to the closest, most frequent catalog word", () => {
    assert.equal(corrector.correctWord("faucett"), "faucet");
    assert.equal(corrector.correctWord("refrigirator"), "refrigerator");
    assert.equal(corrector.correctWord("tolet"), "toilet");
    assert.equal(corrector.correctWord("cordles"), "cordless");
    assert.equal(corrector.correct("Kitchen Faucett pulll down"), "kitchen faucet pull down");
  });

  it("leaves known words, numbers, short words and hopeless words alone", () => {
    assert.equal(corrector.correctWord("drill"), "drill");
    assert.equal(corrector.correctWord("zzzzzzzz"), "zzzzzzzz");
    assert.equal(corrector.correctWord("hse"), "hse");
    assert.equal(corrector.correct("1/2 in. tolet seat"), "1/2 inch toilet seat");
  });

  it("ignores rare catalog words as targets when minCount says so", () => {
    const strict = new SpellCorrector(countWords(TITLES, (t) => featurizer.words(t)), { minCount: 2 });
    assert.equal(strict.correctWord("nozzel"), "nozzel", "nozzle appears once, below minCount 2");
    assert.equal(strict.correctWord("refrigirator"), "refrigerator");
  });
});
