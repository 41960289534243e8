import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Redis } from "ioredis";
import { EnrichService, type ProductEmbedder } from "../../src/indexing";
import { connectQueueRedis, reindexLockKey, type JobQueue, type JobView, type ReindexResult } from "../../src/jobs";
import { EMBEDDINGS_KIND, loadEmbedder, modelVersionDir, type Embedder } from "../../src/model";
import { deleteIndexes, OpenSearchGateway, setupIndexes } from "../../src/opensearch";
import { randomName, testOpenSearchUrl, testRedisUrl } from "../utils/services";
import { tinyModel } from "../utils/tiny-model";

/** Two versions of the tiny model in a models folder of the test's own: the catalog is loaded with `v1`, reindexed to `v2`. */
export interface TwoVersions {
  modelsDir: string;
  v1: string;
  v2: string;
  load(version: string): Promise<Embedder>;
  remove(): Promise<void>;
}

export async function twoModelVersions(): Promise<TwoVersions> {
  const tiny = await tinyModel();
  const modelsDir = await mkdtemp(join(tmpdir(), "reindex-models-"));
  const v1 = tiny.version;
  const v2 = `${tiny.version}-next`;
  await cp(modelVersionDir(tiny.modelsDir, EMBEDDINGS_KIND, v1), modelVersionDir(modelsDir, EMBEDDINGS_KIND, v1), { recursive: true });
  const v2Dir = modelVersionDir(modelsDir, EMBEDDINGS_KIND, v2);
  await cp(modelVersionDir(tiny.modelsDir, EMBEDDINGS_KIND, v1), v2Dir, { recursive: true });
  const manifest = JSON.parse(await readFile(join(v2Dir, "manifest.json"), "utf8")) as Record<string, unknown>;
  await writeFile(join(v2Dir, "manifest.json"), JSON.stringify({ ...manifest, version: v2 }));
  return {
    modelsDir,
    v1,
    v2,
    load: (version) => loadEmbedder(modelVersionDir(modelsDir, EMBEDDINGS_KIND, version)),
    remove: () => rm(modelsDir, { recursive: true, force: true }),
  };
}

/** The two model versions and the queue connection of one describe block: made before its tests, released after. */
export class QueueTestServices {
  #models: TwoVersions | null = null;
  #connection: Redis | null = null;

  /** Registers the block's before/after hooks; call it directly inside `describe`. */
  static forSuite(): QueueTestServices {
    const services = new QueueTestServices();
    before(async () => {
      services.#models = await twoModelVersions();
      services.#connection = connectQueueRedis(testRedisUrl());
    });
    after(async () => {
      services.#connection?.disconnect();
      await services.#models?.remove();
    });
    return services;
  }

  get models(): TwoVersions {
    if (!this.#models) throw new Error("the model versions are made in the suite's before hook");
    return this.#models;
  }

  get connection(): Redis {
    if (!this.#connection) throw new Error("the queue connection is made in the suite's before hook");
    return this.#connection;
  }
}

/** Polls the queue every `pollMs` until the job has completed or failed; throws after `timeoutMs`. */
export async function waitForJob(queue: JobQueue, id: string, timeoutMs: number, pollMs: number): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await queue.get(id);
    if (view && (view.state === "completed" || view.state === "failed")) return view;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${view?.state ?? "missing"} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

const WORDS = ["acme", "globex", "crimson", "azure", "sofa", "faucet", "torch", "lorry", "ivory", "trainers", "model", "deluxe"];

/** Deterministic products `d000000`…: ids sort in creation order. */
export function products(from: number, count: number, tag = "") {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    return { id: `d${String(i).padStart(6, "0")}`, title: `${WORDS[i % 12] ?? ""} ${WORDS[(i * 7) % 12] ?? ""} ${WORDS[(i * 5 + 3) % 12] ?? ""} ${i}${tag}` };
  });
}

/** An alias set of its own on the run's OpenSearch, set up with the tiny model's dimension. */
export class TestCatalog {
  readonly gateway = new OpenSearchGateway({ url: testOpenSearchUrl(), timeoutMs: 60_000 });
  readonly prefix = randomName("reindex");
  readonly aliases = { products: `${this.prefix}-products`, events: `${this.prefix}-events`, profiles: `${this.prefix}-profiles` };

  async setup(dimension: number): Promise<void> {
    await setupIndexes(this.gateway, { aliases: this.aliases, embeddingDimension: dimension });
  }

  /** Writes products through the sidecar's enrichment path (the same as `POST /v1/enrich`) into the alias. */
  async write(embedder: ProductEmbedder, docs: readonly Record<string, unknown>[], refresh = false): Promise<void> {
    const enrich = new EnrichService({ gateway: this.gateway, embedder: () => embedder });
    for (let i = 0; i < docs.length; i += 1000) {
      const outcome = await enrich.enrich(docs.slice(i, i + 1000), { write: true, index: this.aliases.products, timeoutMs: 60_000, refresh });
      if (outcome.counts.failed > 0) throw new Error(`loading failed for ${outcome.counts.failed} documents`);
    }
  }

  async count(index: string, query?: Record<string, unknown>): Promise<number> {
    await this.gateway.request("POST", `/${index}/_refresh`, undefined, { timeoutMs: 60_000 });
    const response = await this.gateway.request<{ count: number }>("POST", `/${index}/_count`, query ? { query } : undefined, { timeoutMs: 60_000 });
    return response.body.count;
  }

  /** Documents of `index` not stamped with `version`. */
  notOn(index: string, version: string): Promise<number> {
    return this.count(index, { bool: { must_not: [{ term: { model_version: version } }] } });
  }

  async exists(index: string): Promise<boolean> {
    const response = await this.gateway.request("HEAD", `/${index}`, undefined, { ignore: [404], timeoutMs: 60_000 });
    return response.statusCode === 200;
  }

  async remove(redis?: Redis): Promise<void> {
    await deleteIndexes(this.gateway, this.aliases);
    if (redis) await redis.del(reindexLockKey(this.aliases.products));
    await this.gateway.close();
  }
}

/** A reindex job's result (the view's result is typed as any job type's). */
export function reindexResult(view: JobView): ReindexResult | null {
  if (view.type !== "reindex") throw new Error(`job ${view.id} is a ${view.type}, not a reindex`);
  return view.result as ReindexResult | null;
}
