/**
 * Embedding throughput: products (and queries) per second for the hand-written Float32Array forward
 * pass and for the TensorFlow.js forward pass on every backend that starts here.
 *
 *   npx tsx scripts/bench-embed.ts --model rerankers/embeddings/<version> --catalog FILE --map id=product_uid,title=product_title
 *
 * `--model` may also be a models folder (the promoted embeddings version is used). Last stdout line: JSON.
 */
import { stat } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { parseFieldMap, type CatalogFormat, type Product } from "../src/indexing";
import { activeVersion, EMBEDDINGS_KIND, INFERENCE_BACKENDS, loadEmbedder, modelVersionDir, resolveInferenceMode, selectInferenceBackend, type InferenceMode } from "../src/model";
import { readCatalogProducts } from "../src/model/training-inputs";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    catalog: { type: "string" },
    map: { type: "string" },
    format: { type: "string" },
    limit: { type: "string", default: "20000" },
    "tfjs-limit": { type: "string", default: "5000" },
    batch: { type: "string", default: "256" },
  },
});

async function resolveModelDir(path: string): Promise<string> {
  if (await stat(`${path}/manifest.json`).then(() => true, () => false)) return path;
  const version = await activeVersion(path, EMBEDDINGS_KIND);
  if (!version) throw new Error(`${path} is neither a model version folder nor a models folder with a promoted embeddings model`);
  return modelVersionDir(path, EMBEDDINGS_KIND, version);
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

async function measure(label: string, count: number, run: () => Promise<unknown>): Promise<number> {
  await run(); // warm-up: JIT, stem/trigram caches, tensor upload
  const started = process.hrtime.bigint();
  await run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const perSecond = Math.round(count / seconds);
  log(`${label.padEnd(34)} ${String(perSecond).padStart(8)} /s  (${count} in ${seconds.toFixed(2)} s)`);
  return perSecond;
}

async function main(): Promise<void> {
  if (!values.model || !values.catalog) throw new Error("usage: bench-embed.ts --model DIR --catalog FILE [--map ...] [--format csv|jsonl] [--limit N] [--tfjs-limit N] [--batch N]");
  const modelDir = await resolveModelDir(values.model);
  const limit = Number(values.limit);
  const tfjsLimit = Number(values["tfjs-limit"]);
  const batch = Number(values.batch);
  const { products: catalog } = await readCatalogProducts(values.catalog, {
    map: parseFieldMap(values.map),
    ...(values.format ? { format: values.format as CatalogFormat } : {}),
  });
  const products: Product[] = [...catalog.values()].slice(0, limit);
  const queries = products.map((p) => p.title.split(" ").slice(0, 3).join(" "));
  log(`model ${modelDir}; ${products.length} products; ${availableParallelism()} cores; batches of ${batch}`);

  const inBatches = async <T>(items: readonly T[], embed: (chunk: readonly T[]) => Promise<unknown>) => {
    for (let i = 0; i < items.length; i += batch) await embed(items.slice(i, i + batch));
  };
  const results: Record<string, number | string> = {};

  const timed = async (mode: InferenceMode, label: string, count: number) => {
    const embedder = await loadEmbedder(modelDir, { inference: mode, chunkSize: batch });
    try {
      results[`${label}_products_per_sec`] = await measure(`${label} products`, count, () => inBatches(products.slice(0, count), (c) => embedder.embedProducts(c)));
      results[`${label}_queries_per_sec`] = await measure(`${label} queries`, count, () => inBatches(queries.slice(0, count), (c) => embedder.embedQueries(c)));
    } finally {
      embedder.dispose();
    }
  };

  await timed("js", "js", products.length);
  for (const backend of INFERENCE_BACKENDS) {
    try {
      await selectInferenceBackend({ preference: backend });
    } catch {
      log(`tfjs on ${backend}: not available here`);
      continue;
    }
    await timed("tfjs", `tfjs_${backend}`, Math.min(tfjsLimit, products.length));
  }
  const auto = await selectInferenceBackend();
  results.auto_backend = auto.backend;
  results.auto_inference = resolveInferenceMode("auto");
  log(`auto: backend ${auto.backend}, inference ${String(results.auto_inference)}; tf backend now ${tf.getBackend()}`);
  process.stdout.write(`${JSON.stringify({ bench: "embed", model: modelDir, products: products.length, batch, ...results })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-embed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
