import { strict as assert } from "node:assert";
import { PreparedQuery, textMatch } from "../../../src/search/rerank/text-match";

describe("query–document text features", () => {
  const drill = { title: "Cordless Drills for the Garage", brand: "DeWalt", category: ["Tools", "Power Tools"] };

  it("match stemmed, stopword-free query words against title, brand and category", () => {
    const match = textMatch(new PreparedQuery("dewalt cordless drill"), drill);
    assert.deepEqual(match, {
      titleTerms: 5,
      titleOverlap: 2 / 3,
      brandOverlap: 1 / 3,
      categoryOverlap: 0,
      anyFieldOverlap: 1,
      titleExact: 0,
      titlePhrase: 0,
      titlePrefix: 0,
      brandInQuery: 1,
    });
  });

  it("the same field values under another query give that query's features (analysis is shared, matching is not)", () => {
    textMatch(new PreparedQuery("dewalt cordless drill"), drill);
    assert.deepEqual(textMatch(new PreparedQuery("Cordless drills"), drill), {
      titleTerms: 5,
      titleOverlap: 1,
      brandOverlap: 0,
      categoryOverlap: 0,
      anyFieldOverlap: 1,
      titleExact: 0,
      titlePhrase: 1,
      titlePrefix: 1,
      brandInQuery: 0,
    });
    assert.equal(textMatch(new PreparedQuery("cordless drills for the garage"), drill).titleExact, 1);
    assert.equal(textMatch(new PreparedQuery("power tool"), drill).categoryOverlap, 1);
    // The category as one string reads as the array does; a text held by two fields counts for each.
    assert.deepEqual(textMatch(new PreparedQuery("power tool"), { ...drill, category: "Tools Power Tools" }), textMatch(new PreparedQuery("power tool"), drill));
    assert.equal(textMatch(new PreparedQuery("dewalt"), { title: "DeWalt", brand: "DeWalt" }).titleExact, 1);
  });

  it("missing or non-text fields have no words; a query of stopwords only matches nothing", () => {
    const match = textMatch(new PreparedQuery("the of"), { title: 42, brand: null });
    assert.deepEqual([match.titleTerms, match.titleOverlap, match.anyFieldOverlap, match.brandInQuery], [0, 0, 0, 0]);
  });
});
