import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { trainReranker, validationGroups } from "../../../src/model";
import { Rng } from "../../../src/model/rng";
import {
  augmentLists,
  augmentListsFile,
  conformRow,
  fitFeatureGenerator,
  generateRows,
  inferFeatureRanges,
  labeledRows,
  NEGATIVE,
  POSITIVE,
  readGenerator,
  trainingSideLists,
  type LabeledRow,
} from "../../../src/synthetic/generative";
import { readListsFile, selectSyntheticRows, writeListsFile, type StoredRerankList } from "../../../src/training";
import { runRelevance } from "../../utils/run-relevance";

/** Columns: a score (real, ≥ 0), a found-by flag (binary), a term count (count), a centred signal (real, any sign). */
const NAMES = ["score", "found", "terms", "signal"] as const;

/** Positives: high score, mostly found, signal ≈ +2; negatives: low score, rarely found, signal ≈ −1. */
function row(rng: Rng, positive: boolean): number[] {
  return positive
    ? [Math.abs(3 + rng.normal() * 0.5), rng.next() < 0.9 ? 1 : 0, 2 + rng.int(3), 2 + rng.normal() * 0.3]
    : [Math.abs(1 + rng.normal() * 0.5), rng.next() < 0.2 ? 1 : 0, 1 + rng.int(3), -1 + rng.normal() * 0.3];
}

/** Lists of 8 candidates, one positive each, 4-d embeddings, 40 query groups. */
function lists(count: number, seed: number): StoredRerankList[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const positiveAt = rng.int(8);
    return {
      group: `q${i % 40}`,
      queryEmbedding: [rng.normal(), rng.normal(), rng.normal(), rng.normal()],
      history: [],
      candidates: Array.from({ length: 8 }, (_, c) => ({ features: row(rng, c === positiveAt), embedding: [c, i, 1, 0] })),
      labels: Array.from({ length: 8 }, (_, c) => (c === positiveAt ? 1 : 0)),
    };
  });
}

const mean = (rows: readonly ArrayLike<number>[], column: number) => rows.reduce((s, r) => s + (r[column] as number), 0) / rows.length;

describe("generative model: a conditional VAE over re-ranker feature rows", function () {
  this.timeout(240_000);
  let dir: string;
  let previousBackend: string | undefined;
  const rows: LabeledRow[] = labeledRows(lists(200, 7));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "feature-generator-"));
    previousBackend = tf.getBackend();
    await tf.setBackend("cpu");
  });
  after(async () => {
    if (previousBackend) await tf.setBackend(previousBackend);
    await rm(dir, { recursive: true, force: true });
  });

  it("reads feature kinds off the data and keeps generated values inside them", () => {
    const ranges = inferFeatureRanges(
      NAMES,
      rows.map((r) => r.features),
    );
    assert.deepEqual(
      ranges.map((r) => r.kind),
      ["nonNegative", "binary", "count", "real"],
    );
    const conformed = conformRow(Float64Array.from([-2, 0.7, 2.6, 99]), ranges);
    assert.equal(conformed[0], ranges[0]?.min);
    assert.equal(conformed[1], 1);
    assert.equal(conformed[2], 3);
    assert.equal(conformed[3], ranges[3]?.max);
    // A point mass at 0 (zeros and values ≥ 0.4 seen): below 0.2 a generated value snaps to 0.
    const [zeroInflated] = inferFeatureRanges(["x"], [[0], [0], [0.4], [1]]);
    assert.equal(zeroInflated?.zeroMassBelow, 0.4);
    assert.deepEqual(Array.from(conformRow(Float64Array.from([0.1]), [zeroInflated])), [0]);
    assert.deepEqual(Array.from(conformRow(Float64Array.from([0.3]), [zeroInflated])), [0.3]);
  });

  it("the same seed gives bit-identical weights and rows; another seed does not", async () => {
    const options = { epochs: 8, seed: 11, negativesPerPositive: 2 };
    const a = await fitFeatureGenerator(NAMES, rows, options);
    const b = await fitFeatureGenerator(NAMES, rows, options);
    for (const key of Object.keys(a.generator.weights) as (keyof typeof a.generator.weights)[]) {
      assert.deepEqual(Buffer.from(a.generator.weights[key].buffer), Buffer.from(b.generator.weights[key].buffer), `weights ${key} differ`);
    }
    assert.deepEqual(a.metrics.lossCurve, b.metrics.lossCurve);
    const rowsA = generateRows(a.generator, POSITIVE, 50, new Rng(3));
    const rowsB = generateRows(b.generator, POSITIVE, 50, new Rng(3));
    assert.deepEqual(rowsA, rowsB);
    const c = await fitFeatureGenerator(NAMES, rows, { ...options, seed: 12 });
    assert.notDeepEqual(Buffer.from(c.generator.weights.decoderOutput.buffer), Buffer.from(a.generator.weights.decoderOutput.buffer));
    assert.ok(a.metrics.lossCurve[0] !== undefined && (a.metrics.lossCurve.at(-1) as number) < a.metrics.lossCurve[0], `loss should fall: ${a.metrics.lossCurve.join(", ")}`);
  });

  it("learns the condition: generated positives look like real positives, negatives like negatives, kinds respected", async () => {
    const { generator, positives, negatives } = await fitFeatureGenerator(NAMES, rows, { epochs: 60, seed: 5, negativesPerPositive: 1 });
    assert.equal(positives, 200);
    assert.equal(negatives, 200);
    const rng = new Rng(9);
    const fakePositives = generateRows(generator, POSITIVE, 400, rng);
    const fakeNegatives = generateRows(generator, NEGATIVE, 400, rng);
    const realPositives = rows.filter((r) => r.positive).map((r) => r.features);
    // signal: +2 for positives, −1 for negatives; score: 3 vs 1.
    assert.ok(Math.abs(mean(fakePositives, 3) - mean(realPositives, 3)) < 0.5, `positive signal ${mean(fakePositives, 3)} vs real ${mean(realPositives, 3)}`);
    assert.ok(mean(fakeNegatives, 3) < 0, `negative signal ${mean(fakeNegatives, 3)}`);
    assert.ok(mean(fakePositives, 0) > mean(fakeNegatives, 0) + 1, `score ${mean(fakePositives, 0)} vs ${mean(fakeNegatives, 0)}`);
    assert.ok(mean(fakePositives, 1) > 0.6 && mean(fakeNegatives, 1) < 0.45, `found share ${mean(fakePositives, 1)} vs ${mean(fakeNegatives, 1)}`);
    for (const r of [...fakePositives, ...fakeNegatives]) {
      assert.ok(r[1] === 0 || r[1] === 1, `binary flag ${r[1]}`);
      assert.ok(Number.isInteger(r[2]) && (r[2] as number) >= 1, `count ${r[2]}`);
      assert.ok((r[0] as number) >= 0, `non-negative score ${r[0]}`);
    }
  });

  it("augments only training-side lists, flags the generated rows, and the re-ranker never validates on them", async () => {
    const real = lists(200, 21);
    const { generator } = await fitFeatureGenerator(NAMES, labeledRows(trainingSideLists(real, 0.2, 42)), { epochs: 5, seed: 1 });
    const { lists: augmented, added, realPositives } = augmentLists(real, generator, { ratio: 0.5, seed: 3 });
    const held = validationGroups(real, 0.2, 42);
    assert.equal(realPositives, trainingSideLists(real, 0.2, 42).length);
    assert.equal(added, Math.round(realPositives * 0.5));
    assert.equal(augmented.length, real.length + added);
    for (const list of augmented.slice(real.length)) {
      assert.equal(list.synthetic, true);
      assert.ok(!held.has(list.group as string), "an augmented list comes from a validation group");
      const generated = list.candidates.filter((c) => c.synthetic === true);
      assert.equal(generated.length, 1);
      assert.equal(list.labels.filter((g) => g > 0).length, 1);
      assert.equal(list.labels[list.candidates.indexOf(generated[0] as (typeof list.candidates)[number])], 1);
      assert.equal(list.candidates.length, 8);
      assert.ok(generated[0]?.embedding, "the generated positive carries the replaced positive's embedding");
    }
    const options = { epochs: 1, seed: 42, validationFraction: 0.2 };
    const data = { featureNames: NAMES, dimension: 4 };
    const withReal = await trainReranker({ ...data, lists: real }, options);
    const withAugmented = await trainReranker({ ...data, lists: augmented }, options);
    assert.equal(withAugmented.metrics.valLists, withReal.metrics.valLists);
    assert.equal(withAugmented.metrics.trainLists, withReal.metrics.trainLists + added);
    assert.deepEqual(withAugmented.metrics.before, withReal.metrics.before);
  });

  it("`synthesize features` end to end: lists file in, augmented file out (same seed → same bytes), generator stored and readable, exclude restores the real lists", async () => {
    const input = join(dir, "lists.ndjson");
    await writeListsFile(input, { featureNames: NAMES, dimension: 4, embeddings: null, pipeline: "rerank" }, lists(120, 4));
    const run = (out: string) => augmentListsFile({ lists: input, out, modelsDir: join(dir, "models"), positives: 30, epochs: 4, seed: 8, backend: "cpu" });
    const first = await run(join(dir, "a.ndjson"));
    const second = await run(join(dir, "b.ndjson"));
    assert.equal(first.added, 30);
    assert.equal(first.lists, 150);
    assert.deepEqual(await readFile(join(dir, "a.ndjson")), await readFile(join(dir, "b.ndjson")));
    const stored = await readGenerator(first.generator.dir);
    assert.deepEqual(stored.featureNames, [...NAMES]);
    assert.equal(second.generator.version.slice(-7), first.generator.version.slice(-7), "same weights, same hash in the version name");
    const read = await readListsFile(join(dir, "a.ndjson"));
    assert.equal(read.lists.filter((l) => l.synthetic).length, 30);
    const original = await readListsFile(input);
    // An added list without its generated positive has none left: dropped, so exclude gives back the real lists.
    assert.deepEqual(selectSyntheticRows(read.lists, "exclude"), original.lists);
    // only: trained on the 30 added lists alone, the real ones kept for validation (TSTR).
    const only = selectSyntheticRows(read.lists, "only");
    assert.equal(only.length, 150);
    assert.equal(only.filter((l) => l.validationOnly !== true).length, 30);
    assert.ok(only.every((l) => (l.synthetic === true) !== (l.validationOnly === true)));
  });

  it("the CLI: `synthesize features` then `train reranker --lists` on its output, without any sidecar", async () => {
    const input = join(dir, "cli-lists.ndjson");
    await writeListsFile(input, { featureNames: NAMES, dimension: 4, embeddings: null, pipeline: "rerank" }, lists(100, 6));
    const models = join(dir, "cli-models");
    const features = await runRelevance(["synthesize", "features", "--lists", input, "--out", join(dir, "cli-aug.ndjson"), "--ratio", "0.5", "--epochs", "3", "--models-dir", models]);
    assert.equal(features.code, 0, features.stderr);
    const summary = JSON.parse(features.stdout.trim().split("\n").at(-1) as string) as Record<string, unknown>;
    assert.equal(summary.synthetic_lists, Math.round(0.5 * (summary.real_positives as number)));
    assert.equal(summary.backend, "cpu");
    const train = await runRelevance(["train", "reranker", "--lists", join(dir, "cli-aug.ndjson"), "--epochs", "1", "--out", models, "--backend", "cpu"], { SIDECAR_URL: "http://127.0.0.1:9" });
    assert.equal(train.code, 0, train.stderr);
    const trained = JSON.parse(train.stdout.trim().split("\n").at(-1) as string) as Record<string, unknown>;
    assert.equal(trained.lists, 100 + (summary.synthetic_lists));
    const both = await runRelevance(["train", "reranker", "--lists", input, "--events", input, "--out", models]);
    assert.notEqual(both.code, 0);
    assert.match(both.stderr, /either --lists or --judgments\/--events/);
  });
});
