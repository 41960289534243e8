import { strict as assert } from "node:assert";
import { OpenSearchGateway } from "../../src/opensearch";
import { type BehaviourModel, SessionSimulator, TasteSpace, WeightedSampler, fitTasteKappa, priorBehaviour, readItemVectors, seededRandom, type SimulatorItem } from "../../src/synthetic";
import { randomName, testOpenSearchUrl } from "../utils/services";

const DIMENSION = 16;

/** 200 items in 8 clusters: each item's vector is its cluster's direction plus a little noise. */
function clusteredItems(): { items: SimulatorItem[]; vectors: Map<string, Float32Array>; cluster: Map<string, number> } {
  const random = seededRandom(7);
  const centres = Array.from({ length: 8 }, () => Array.from({ length: DIMENSION }, () => random() * 2 - 1));
  const items: SimulatorItem[] = [];
  const vectors = new Map<string, Float32Array>();
  const cluster = new Map<string, number>();
  for (let i = 0; i < 200; i++) {
    const id = `p${i}`;
    const c = i % 8;
    items.push({ id, title: `item ${i} word${c} other${i % 5}`, category: "all", brand: `b${i % 3}`, priceBand: "" });
    vectors.set(id, Float32Array.from((centres[c] as number[]).map((x) => x + (random() - 0.5) * 0.3)));
    cluster.set(id, c);
  }
  return { items, vectors, cluster };
}

/** The share of a user's consecutive targets in the same cluster, over a plan. */
function sameClusterShare(simulator: SessionSimulator, cluster: ReadonlyMap<string, number>): number {
  let same = 0;
  let pairs = 0;
  for (const user of simulator.plan()) {
    for (let s = 1; s < user.searches.length; s++) {
      const a = user.searches[s - 1]?.target as string;
      const b = user.searches[s]?.target as string;
      if (a === b) continue;
      pairs += 1;
      if (cluster.get(a) === cluster.get(b)) same += 1;
    }
  }
  return same / pairs;
}

const flatPopularity = (items: readonly SimulatorItem[]): [string, number][] => items.map((item) => [item.id, 1]);

describe("taste vectors", () => {
  const { items, vectors, cluster } = clusteredItems();

  it("a taste is deterministic per seed and its targets concentrate near it, more with a larger κ", () => {
    const space = new TasteSpace(vectors, flatPopularity(items), { kappa: 10, noise: 0.5 });
    assert.equal(space.size, 200);
    const a = space.tasteFor("p3", seededRandom(1));
    const b = space.tasteFor("p3", seededRandom(1));
    assert.ok(a && b);
    assert.deepEqual([...a], [...b]);
    assert.equal(space.tasteFor("not-an-item", seededRandom(1)), null);
    const shareInAnchorCluster = (kappa: number): number => {
      const random = seededRandom(2);
      let hits = 0;
      const draws = 4000;
      for (let n = 0; n < draws; n++) {
        const anchor = `p${Math.floor(random() * 200)}`;
        const sampler = space.samplerFor(space.tasteFor(anchor, random) as Float64Array, kappa);
        if (cluster.get(sampler.sample(random) as string) === cluster.get(anchor)) hits += 1;
      }
      return hits / draws;
    };
    const none = shareInAnchorCluster(0);
    const some = shareInAnchorCluster(4);
    const strong = shareInAnchorCluster(10);
    assert.ok(Math.abs(none - 1 / 8) < 0.03, `κ = 0 is popularity alone: ${none}`);
    assert.ok(some > none + 0.1 && strong > some + 0.1, `κ 0 / 4 / 10: ${none} / ${some} / ${strong}`);
  });

  it("κ is fitted from the real users' co-clicks: users simulated with a known κ give it back", () => {
    const truth = new TasteSpace(vectors, flatPopularity(items), { kappa: 12, noise: 0.5 });
    const anchors = new WeightedSampler(flatPopularity(items));
    const random = seededRandom(5);
    const userClicks: string[][] = [];
    for (let u = 0; u < 3000; u++) {
      const sampler = truth.samplerFor(truth.tasteFor(anchors.sample(random) as string, random) as Float64Array);
      userClicks.push([sampler.sample(random) as string, sampler.sample(random) as string]);
    }
    const start = new TasteSpace(vectors, flatPopularity(items), { kappa: 0, noise: 0.5 });
    const fitted = fitTasteKappa(start, userClicks, anchors, { users: 3000, seed: 9 });
    assert.ok(fitted);
    assert.ok(fitted.kappa >= 8 && fitted.kappa <= 20, `fitted κ ${fitted.kappa} (true 12; cos real ${fitted.realCosine}, simulated ${fitted.simulatedCosine})`);
    assert.ok(Math.abs(fitted.realCosine - fitted.simulatedCosine) < 0.05);
    // Random pairs of items (no taste) give κ near 0.
    const unrelated = Array.from({ length: 3000 }, () => [`p${Math.floor(random() * 200)}`, `p${Math.floor(random() * 200)}`]);
    const flat = fitTasteKappa(start, unrelated, anchors, { users: 3000, seed: 9 });
    assert.ok(flat && flat.kappa <= 1, `κ of unrelated pairs: ${flat?.kappa}`);
  });

  it("the simulator with taste vectors: same seed → same plan; a user's targets share a cluster far more often than with facet preferences", () => {
    const model: BehaviourModel = { ...priorBehaviour(items), itemWeights: new Map(flatPopularity(items)) };
    model.sessionsPerUser = [0, 0, 1];
    model.funnel = { ...model.funnel, repeatShare: 0 };
    const space = new TasteSpace(vectors, model.itemWeights, { kappa: 10 });
    const withTaste = (seed: number) => new SessionSimulator(model, { users: 400, seed, taste: space });
    assert.deepEqual(withTaste(3).plan(), withTaste(3).plan());
    assert.notDeepEqual(withTaste(3).plan(), withTaste(4).plan());
    const tasteShare = sameClusterShare(withTaste(3), cluster);
    const facetShare = sameClusterShare(new SessionSimulator(model, { users: 400, seed: 3 }), cluster);
    assert.ok(tasteShare > facetShare + 0.25, `same-cluster share of consecutive targets: taste ${tasteShare}, facets ${facetShare}`);
  });

  it("readItemVectors reads the embedding field of every document that has one (real OpenSearch)", async function () {
    this.timeout(60_000);
    const gateway = new OpenSearchGateway({ url: testOpenSearchUrl(), timeoutMs: 30_000 });
    const index = randomName("taste-vectors");
    try {
      await gateway.request("PUT", `/${index}`, { mappings: { properties: { id: { type: "keyword" }, embedding: { type: "float" } } } });
      const body = [
        ...[0, 1, 2].flatMap((i) => [{ index: { _index: index, _id: `v${i}` } }, { id: `v${i}`, embedding: [i, 1, 0.5] }]),
        { index: { _index: index, _id: "none" } },
        { id: "none", title: "no vector" },
      ];
      await gateway.request("POST", "/_bulk", body, { querystring: { refresh: "true" } });
      const vectors = await readItemVectors(gateway, index);
      assert.deepEqual([...vectors.keys()].sort(), ["v0", "v1", "v2"]);
      assert.deepEqual([...(vectors.get("v2") as Float32Array)], [2, 1, 0.5]);
    } finally {
      await gateway.request("DELETE", `/${index}`, undefined, { ignore: [404] });
      await gateway.close();
    }
  });
});
