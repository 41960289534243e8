import { strict as assert } from "node:assert";
import { type ResultSource, type SyntheticEvent, SessionSimulator, generateSampleCatalog, priorBehaviour, simulatorItems } from "../../src/synthetic";

/** Every query gets the same ten items, best first: targets outside them are never shown. */
function fixedResults(ids: readonly string[]): ResultSource {
  return { name: "fixed", resultsFor: (queries) => Promise.resolve(new Map(queries.map((q) => [q, [...ids]]))) };
}

async function shareOfShownSearchesWithAClick(clickRate: number | undefined): Promise<number> {
  const items = simulatorItems(generateSampleCatalog({ count: 10, seed: 4 }));
  const model = priorBehaviour(items);
  const simulator = new SessionSimulator(model, { users: 2000, seed: 8, examination: "fitted", ...(clickRate !== undefined ? { clickRate } : {}) });
  let searches = 0;
  let withClick = 0;
  let last: SyntheticEvent | null = null;
  for await (const event of simulator.run(fixedResults(items.map((i) => i.id)))) {
    if (event.type === "search") searches += 1;
    if (event.type === "click" && last?.type === "search") withClick += 1;
    last = event;
  }
  return withClick / searches;
}

describe("session simulator: clicks per search", () => {
  it("the click model alone leaves searches without a click; clickRate makes the share of searches with a click the rate", async () => {
    const alone = await shareOfShownSearchesWithAClick(undefined);
    const full = await shareOfShownSearchesWithAClick(1);
    const most = await shareOfShownSearchesWithAClick(0.95);
    assert.ok(alone < 0.8, `θ_r = 1/r^0.8 and α 0.9 leave searches unclicked: ${alone}`);
    assert.equal(full, 1);
    assert.ok(Math.abs(most - 0.95) < 0.02, `rate 0.95: ${most}`);
  });
});
