import { createHash } from "node:crypto";
import { type Redis } from "ioredis";
import { type Sidecar } from "../../../src/http";
import { rankOrder, type Reranker, type RerankList } from "../../../src/model";
import { type ServingEmbedder } from "../../../src/runtime";
import { FEATURE_NAMES } from "../../../src/search/rerank";

export const DIMENSION = 64;

/** A deterministic bag-of-words vector (one hashed dimension per word, normalized): never zero, similar texts share dimensions. */
export function textVector(text: string): Float32Array {
  const v = new Float32Array(DIMENSION);
  v[DIMENSION - 1] = 0.1;
  for (const word of text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean)) {
    const h = createHash("sha1").update(word).digest().readUInt32LE(0);
    v[h % (DIMENSION - 1)] = (v[h % (DIMENSION - 1)] as number) + 1;
  }
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** The serving embedder the tests use: {@link textVector}, version "fake-v1". */
export function fakeEmbedder(version = "fake-v1"): ServingEmbedder {
  return {
    name: "embeddings",
    version,
    dimension: DIMENSION,
    embedProducts: (products) => Promise.resolve(products.map((p) => textVector(`${p.title} ${p.brand ?? ""}`))),
    embedQueries: (texts) => Promise.resolve(texts.map((t) => textVector(t))),
  };
}

export interface CatalogItem {
  id: string;
  title: string;
  brand: string;
  category: string[];
  price: number;
}

/** Hammers and drills of two brands, so a brand preference can reorder a query's results. */
export const CATALOG: readonly CatalogItem[] = [
  { id: "h1", title: "Claw hammer 16 oz", brand: "Acme", category: ["Tools", "Hand Tools"], price: 25 },
  { id: "h2", title: "Claw hammer 20 oz", brand: "Bolt", category: ["Tools", "Hand Tools"], price: 29 },
  { id: "h3", title: "Framing hammer", brand: "Acme", category: ["Tools", "Hand Tools"], price: 39 },
  { id: "h4", title: "Framing hammer steel", brand: "Bolt", category: ["Tools", "Hand Tools"], price: 45 },
  { id: "h5", title: "Rubber mallet hammer", brand: "Bolt", category: ["Tools", "Hand Tools"], price: 15 },
  { id: "h6", title: "Ball peen hammer", brand: "Acme", category: ["Tools", "Hand Tools"], price: 19 },
  { id: "d1", title: "Cordless drill", brand: "Acme", category: ["Tools", "Power Tools"], price: 120 },
  { id: "d2", title: "Hammer drill", brand: "Bolt", category: ["Tools", "Power Tools"], price: 150 },
  { id: "d3", title: "Impact driver", brand: "Bolt", category: ["Tools", "Power Tools"], price: 130 },
  { id: "s1", title: "Tape measure", brand: "Acme", category: ["Tools", "Measuring"], price: 9 },
];

/** Indexes the catalog into the sidecar's products alias with {@link textVector} embeddings of model `version`. */
export async function indexCatalog(sidecar: Sidecar, items: readonly CatalogItem[] = CATALOG, version = "fake-v1"): Promise<void> {
  const alias = sidecar.config.productsAlias;
  const lines = items.flatMap((p) => [
    { index: { _index: alias, _id: p.id } },
    { ...p, embedding: Array.from(textVector(`${p.title} ${p.brand}`)), model_version: version },
  ]);
  await sidecar.gateway.request("POST", "/_bulk", lines, { querystring: { refresh: "true" } });
}

/** Deletes every Redis key under a test's prefix (SCAN, never KEYS or FLUSH). */
export async function deleteKeysUnder(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
}

/** A scorer that keeps every `scoreLists` call's lists (what the re-rank stage computed) and keeps retrieval order. */
export interface RecordingReranker extends Reranker {
  /** One entry per model call: the lists it was given. */
  readonly calls: (readonly RerankList[])[];
}

/** A {@link RecordingReranker} of the serving feature list and `dimension`: held in ActiveModels where the promoted model would be. */
export function recordingReranker(dimension = DIMENSION): RecordingReranker {
  const calls: (readonly RerankList[])[] = [];
  const scoreLists = (lists: readonly RerankList[]) => {
    calls.push(lists);
    return Promise.resolve(
      lists.map((list) => {
        const scores = Float32Array.from(list.candidates, (_, i) => -i);
        return { scores, order: rankOrder(scores) };
      }),
    );
  };
  return {
    name: "reranker",
    version: "recording-v1",
    shape: { features: FEATURE_NAMES.length, dimension, maxHistory: 50, hidden: 4, attention: 4 },
    featureNames: FEATURE_NAMES,
    inference: "js",
    calls,
    scoreLists,
    scoreList: async (list) => (await scoreLists([list]))[0] as Awaited<ReturnType<Reranker["scoreList"]>>,
    dispose: () => undefined,
  };
}
