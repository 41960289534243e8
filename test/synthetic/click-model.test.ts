import { strict as assert } from "node:assert";
import { CascadeModel, PositionBasedModel, calibratedExamination, fitCascadeModel, fitPositionBasedModel, powerLawExamination, type Impression } from "../../src/synthetic";
import { seededRandom } from "../../src/shared/seeded-random";

const DEPTH = 10;
const ITEMS = 40;

/** Sessions of random 10-item rankings out of 40 items, so each item is seen at every rank. */
function simulate(model: PositionBasedModel | CascadeModel, alpha: readonly number[], sessions: number, seed: number): Impression[] {
  const random = seededRandom(seed);
  const impressions: Impression[] = [];
  for (let s = 0; s < sessions; s++) {
    const order = Array.from({ length: ITEMS }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    const shown = order.slice(0, DEPTH);
    const clicked = model.sampleClicks(random, shown.map((item) => alpha[item] as number));
    impressions.push({ keys: shown.map((item) => `item-${item}`), clicked });
  }
  return impressions;
}

describe("click models", () => {
  const random = seededRandom(7);
  const alpha = Array.from({ length: ITEMS }, () => 0.1 + 0.8 * random());

  it("PBM fitted by EM recovers a known position bias θ_r = 1/r^0.8 (relative to rank 1) within 0.03, and α within 0.06", () => {
    const theta = powerLawExamination(DEPTH, 0.8);
    const impressions = simulate(new PositionBasedModel(theta), alpha, 30_000, 11);
    const fit = fitPositionBasedModel(impressions, { depth: DEPTH });
    assert.ok(fit.iterations > 1, "EM iterated");
    fit.relativeTheta.forEach((value, r) => {
      assert.ok(Math.abs(value - (theta[r] as number)) < 0.03, `θ at rank ${r + 1}: fitted ${value.toFixed(4)}, true ${(theta[r] as number).toFixed(4)}`);
    });
    // α is identified up to the same scale as θ (θ_0 · α is what the data pins down).
    const top = fit.theta[0] as number;
    alpha.forEach((value, i) => {
      const fitted = (fit.alpha.get(`item-${i}`) as number) * top;
      assert.ok(Math.abs(fitted - value) < 0.06, `α of item ${i}: fitted ${fitted.toFixed(3)}, true ${value.toFixed(3)}`);
    });
  });

  it("PBM with no position bias is fitted as flat, and a different bias is told apart", () => {
    const flat = fitPositionBasedModel(simulate(new PositionBasedModel(powerLawExamination(DEPTH, 0)), alpha, 20_000, 12), { depth: DEPTH });
    for (const value of flat.relativeTheta) assert.ok(Math.abs(value - 1) < 0.05, `flat θ fitted ${value}`);
    const steep = fitPositionBasedModel(simulate(new PositionBasedModel(powerLawExamination(DEPTH, 1.5)), alpha, 20_000, 13), { depth: DEPTH });
    assert.ok(Math.abs((steep.relativeTheta[9] as number) - 10 ** -1.5) < 0.02, `steep θ at rank 10 fitted ${steep.relativeTheta[9]}`);
  });

  it("cascade model: the click-over-examination fit recovers every item's α within 0.05", () => {
    const impressions = simulate(new CascadeModel(DEPTH), alpha, 30_000, 21);
    assert.ok(impressions.every((i) => i.clicked.length <= 1), "one click at most per list in the classic cascade");
    const fit = fitCascadeModel(impressions, DEPTH);
    let checked = 0;
    alpha.forEach((value, i) => {
      const fitted = fit.alpha.get(`item-${i}`);
      assert.ok(fitted !== undefined);
      checked += 1;
      assert.ok(Math.abs(fitted - value) < 0.05, `α of item ${i}: fitted ${fitted.toFixed(3)}, true ${value.toFixed(3)}`);
    });
    assert.equal(checked, ITEMS);
  });

  it("calibrated examination: flat when targets sit where the real clicks sat, the click-share / target-share ratio otherwise, made non-increasing", () => {
    const fallback = powerLawExamination(4, 1);
    assert.deepEqual(calibratedExamination([40, 30, 20, 10], [400, 300, 200, 100], fallback), [1, 1, 1, 1]);
    assert.deepEqual(calibratedExamination([50, 25, 25, 0], [25, 25, 25, 25], fallback), [1, 0.5, 0.5, 0]);
    // A rank whose ratio rises (noise) is pooled with the one above it, weighted by targets: (0.5·25 + 1.5·25) / 50 = 1.
    assert.deepEqual(calibratedExamination([40, 10, 30, 0], [20, 20, 20, 20], fallback).map((t) => Math.round(t * 1000) / 1000), [1, 0.5, 0.5, 0]);
    // No target ever at a rank: that rank keeps its fitted θ; no real clicks at all: the fitted θ.
    assert.deepEqual(calibratedExamination([10, 10, 0, 0], [10, 10, 0, 0], fallback), [1, 1, fallback[2], fallback[3]]);
    assert.deepEqual(calibratedExamination([0, 0, 0, 0], [1, 1, 1, 1], fallback), fallback);
  });

  it("rejects impossible parameters with a clear message", () => {
    assert.throws(() => new PositionBasedModel([1.2]), /theta\[0\] must be a probability/);
    assert.throws(() => new CascadeModel(0), /depth must be a positive integer/);
    assert.throws(() => powerLawExamination(10, -1), /position bias/);
  });
});
