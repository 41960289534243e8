import { strict as assert } from "node:assert";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { modelsCommand } from "../../src/cli/commands/models";
import { trainCommand } from "../../src/cli/commands/train";
import { activeVersion } from "../../src/model";
import { syntheticCatalog } from "../utils/synthetic-catalog";

/** Runs a command and returns what it wrote to stdout (stderr notes are swallowed). */
async function run(command: ReturnType<typeof trainCommand>, args: string[]): Promise<string[]> {
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  process.stderr.write = (() => true);
  try {
    await command.exitOverride().parseAsync(["node", "relevance", ...args]);
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
  return out.join("").trim().split("\n");
}

describe("train embeddings / models CLI", function () {
  this.timeout(30_000);
  let root: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), "emb-cli-"));
    const { products, pairs } = syntheticCatalog();
    await writeFile(join(root, "catalog.csv"), ["uid,name", ...[...products.values()].map((p) => `${p.id},${p.title}`)].join("\n"));
    await writeFile(join(root, "judgments.csv"), ["query,doc_id,grade", ...pairs.map((p) => `${p.query},${p.docId},${p.grade}`)].join("\n"));
    // Held-out queries: every query about couches must not be trained on.
    await writeFile(join(root, "heldout.csv"), ["query,doc_id,grade", ...pairs.filter((p) => p.query.includes("couch")).map((p) => `${p.query},${p.docId},${p.grade}`)].join("\n"));
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
    await tf.setBackend("cpu");
  });

  it("trains, prints a one-line JSON summary, lists and promotes", async () => {
    const models = join(root, "models");
    const lines = await run(trainCommand(), [
      "embeddings",
      ...["--judgments", join(root, "judgments.csv"), "--catalog", join(root, "catalog.csv"), "--map", "id=uid,title=name"],
      ...["--exclude-queries", join(root, "heldout.csv"), "--out", models, "--dimension", "16", "--buckets", "4096", "--epochs", "2", "--batch-size", "32", "--backend", "cpu"],
    ]);
    const summary = JSON.parse(lines[lines.length - 1] as string) as Record<string, unknown>;
    assert.equal(summary.model, "embeddings");
    assert.match(String(summary.version), /^emb-\d{8}-\d{6}-[0-9a-f]{7}$/);
    // 240 positives, minus the 30 couch pairs, minus the validation queries' pairs.
    assert.ok(typeof summary.pairs === "number" && summary.pairs < 192 && summary.pairs > 120, `pairs ${String(summary.pairs)}`);
    assert.equal(typeof summary["val_recall@10"], "number");

    const listed = JSON.parse((await run(modelsCommand(), ["list", "--models-dir", models])).pop() as string) as { version: string; active: boolean }[];
    assert.deepEqual(listed.map((m) => [m.version, m.active]), [[summary.version, false]]);
    await run(modelsCommand(), ["promote", "embeddings", String(summary.version), "--models-dir", models, "--no-reindex"]);
    assert.equal(await activeVersion(models, "embeddings"), summary.version);
  });

  it("trains on clicks, minus the held-out queries", async () => {
    const { pairs } = syntheticCatalog();
    const clicks = join(root, "clicks.csv");
    await writeFile(clicks, ["user_id,query,item_id,event", ...pairs.filter((p) => p.grade === 2).map((p, i) => `u${i % 7},${p.query},${p.docId},click`)].join("\n"));
    const lines = await run(trainCommand(), [
      "embeddings",
      ...["--clicks", clicks, "--catalog", join(root, "catalog.csv"), "--map", "id=uid,title=name", "--exclude-queries", join(root, "heldout.csv")],
      ...["--out", join(root, "clicks-models"), "--dimension", "16", "--buckets", "4096", "--epochs", "1", "--batch-size", "32", "--backend", "cpu"],
    ]);
    const summary = JSON.parse(lines[lines.length - 1] as string) as Record<string, unknown>;
    // 120 clicks, minus the 15 on couch queries, minus the validation queries' clicks.
    assert.ok(typeof summary.pairs === "number" && summary.pairs > 60 && summary.pairs < 105, `pairs ${String(summary.pairs)}`);
    const manifest = JSON.parse(await readFile(join(String(summary.dir), "manifest.json"), "utf8")) as { training: { clickRows: number; excludedRows: number } };
    assert.equal(manifest.training.clickRows, 120);
    assert.equal(manifest.training.excludedRows, 15);
  });

  it("trains from the catalog alone when no judgments are given, and records only the catalog as input", async () => {
    const models = join(root, "catalog-only");
    const lines = await run(trainCommand(), [
      "embeddings",
      ...["--catalog", join(root, "catalog.csv"), "--map", "id=uid,title=name", "--out", models],
      ...["--dimension", "16", "--buckets", "4096", "--epochs", "1", "--batch-size", "32", "--backend", "cpu", "--promote"],
    ]);
    const summary = JSON.parse(lines[lines.length - 1] as string) as Record<string, unknown>;
    assert.equal(summary.pairs, 0);
    assert.equal(summary.promoted, true);
    const manifest = JSON.parse(await readFile(join(String(summary.dir), "manifest.json"), "utf8")) as { training: { files: { role: string }[] } };
    assert.deepEqual(manifest.training.files.map((f) => f.role), ["catalog"]);
  });
});
