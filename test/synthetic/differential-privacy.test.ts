import { strict as assert } from "node:assert";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PRIVACY_SHARES, fitBehaviour, laplaceNoise, noisyCounts, releaseThreshold, simulatorItems } from "../../src/synthetic";
import { seededRandom } from "../../src/shared/seeded-random";

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: readonly number[]): number => {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
};

/** A small log: `users` users, each searching "halo" and clicking item a (and every third user clicking b after "fifa"). */
function log(users: number): string {
  const lines: string[] = [];
  const at = (user: number, minute: number) => new Date(Date.UTC(2011, 7, 11, 0, minute) + user * 3_600_000).toISOString();
  for (let u = 0; u < users; u++) {
    lines.push(JSON.stringify({ user_id: `u${u}`, session_id: `s${u}`, type: "search", query: "halo", timestamp: at(u, 0) }));
    lines.push(JSON.stringify({ user_id: `u${u}`, session_id: `s${u}`, type: "click", item_id: "a", query: "halo", timestamp: at(u, 1) }));
    if (u % 3 === 0) {
      lines.push(JSON.stringify({ user_id: `u${u}`, session_id: `s${u}`, type: "search", query: "fifa", timestamp: at(u, 2) }));
      lines.push(JSON.stringify({ user_id: `u${u}`, session_id: `s${u}`, type: "click", item_id: "b", query: "fifa", timestamp: at(u, 3) }));
    }
  }
  return lines.join("\n") + "\n";
}

describe("differential privacy of the simulator's statistics", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "synthetic-dp-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("Laplace noise has mean 0 and variance 2(Δ/ε)² (20,000 seeded draws, within 5 %)", () => {
    const random = seededRandom(1);
    for (const scale of [0.5, 4, 20]) {
      const draws = Array.from({ length: 20_000 }, () => laplaceNoise(random, scale));
      assert.ok(Math.abs(mean(draws)) < 0.05 * scale, `mean ${mean(draws)} for scale ${scale}`);
      const expected = 2 * scale ** 2;
      assert.ok(Math.abs(variance(draws) - expected) / expected < 0.05, `variance ${variance(draws)} vs ${expected}`);
    }
  });

  it("a noised count over many seeds has variance 2(Δ/ε_i)² for the table's share ε_i of ε; ε = ∞ gives the exact count", () => {
    const counts = new Map([["x", 100]]);
    const epsilon = 1;
    const share = epsilon * PRIVACY_SHARES.itemClicks;
    const sensitivity = 20;
    const values = Array.from({ length: 4000 }, (_, seed) => noisyCounts(counts, seededRandom(seed + 1), { epsilon: share, sensitivity, domain: ["x"] }).get("x") as number);
    const expected = 2 * (sensitivity / share) ** 2;
    // The scale (100) is as large as the count, so clamping at 0 trims the tail: the variance is checked on the
    // mechanism's unclamped draws, and the table's values must be exactly those draws clamped.
    const raw = Array.from({ length: 4000 }, (_, seed) => 100 + laplaceNoise(seededRandom(seed + 1), sensitivity / share));
    assert.ok(Math.abs(variance(raw) - expected) / expected < 0.1, `variance ${variance(raw)} vs ${expected}`);
    values.forEach((v, i) => assert.equal(v, Math.max(0, raw[i] as number), "the table's noise is the mechanism's, clamped at 0"));
    assert.deepEqual(noisyCounts(counts, seededRandom(3), { epsilon: Infinity, sensitivity }), counts);
  });

  it("private keys are released only above τ = 1 + (Δ/ε)·ln(Δ/2δ); public-domain keys all get a count", () => {
    const tau = releaseThreshold(0.5, 10, 1e-6);
    assert.ok(Math.abs(tau - (1 + 20 * Math.log(10 / 2e-6))) < 1e-9);
    const counts = new Map([["rare", 1], ["common", 10_000]]);
    const released = noisyCounts(counts, seededRandom(5), { epsilon: 0.5, sensitivity: 10, delta: 1e-6 });
    assert.deepEqual([...released.keys()], ["common"]);
    const domain = noisyCounts(new Map([["a", 3]]), seededRandom(5), { epsilon: 1, sensitivity: 1, domain: ["a", "b", "c"] });
    assert.deepEqual([...domain.keys()], ["a", "b", "c"]);
    assert.throws(() => noisyCounts(counts, seededRandom(5), { epsilon: 0, sensitivity: 1 }), /epsilon must be > 0/);
  });

  it("fitting without ε gives the exact counts of the clipped log; with ε the same seed gives the same noise and another seed other noise", async () => {
    const path = join(dir, "events.ndjson");
    await writeFile(path, log(300));
    const items = simulatorItems([
      { id: "a", title: "Halo Reach", category: "Games" },
      { id: "b", title: "FIFA 12", category: "Games" },
      { id: "c", title: "Forza 4", category: "Games" },
    ]);
    const exact = await fitBehaviour(path, { items });
    assert.equal(exact.itemWeights.get("a"), 300);
    assert.equal(exact.itemWeights.get("b"), 100);
    assert.equal(exact.queriesByItem.get("a")?.get("halo"), 300);
    assert.equal(exact.sessionsPerUser[0], 300);
    assert.equal(exact.searchesPerSession[0], 200);
    assert.equal(exact.searchesPerSession[1], 100);
    assert.equal(exact.fit?.epsilon, null);

    const privateA = await fitBehaviour(path, { items, epsilon: 1, seed: 9 });
    const privateB = await fitBehaviour(path, { items, epsilon: 1, seed: 9 });
    const privateC = await fitBehaviour(path, { items, epsilon: 1, seed: 10 });
    assert.deepEqual([...privateA.itemWeights], [...privateB.itemWeights]);
    assert.notDeepEqual([...privateA.itemWeights], [...privateC.itemWeights]);
    assert.notEqual(privateA.itemWeights.get("a"), 300);
    assert.ok((privateA.itemWeights.get("c") ?? -1) >= 0, "a catalog item nobody clicked gets a noised count too, clamped at 0");
    assert.equal(privateA.fit?.epsilon, 1);
  });

  it("clips each user's events to the cap, so one user's weight in every table is bounded", async () => {
    const path = join(dir, "heavy.ndjson");
    const lines = [log(10)];
    for (let i = 0; i < 500; i++) lines.push(JSON.stringify({ user_id: "heavy", session_id: "h", type: "click", item_id: "c", query: "forza", timestamp: new Date(Date.UTC(2011, 8, 1) + i * 1000).toISOString() }) + "\n");
    await writeFile(path, lines.join(""));
    const fit = await fitBehaviour(path, { items: simulatorItems([{ id: "c", title: "Forza" }]), maxEventsPerUser: 20 });
    assert.equal(fit.itemWeights.get("c"), 20);
    assert.equal(fit.fit?.clippedEvents, 480);
  });
});
