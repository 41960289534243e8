import { Rng } from "../../src/model/rng";
import { type LabeledRerankList, type RerankList, type RerankerWeights } from "../../src/model/reranker";

function unit(rng: Rng, d: number): Float32Array {
  const v = Float32Array.from({ length: d }, () => rng.normal());
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

export interface RandomListOptions {
  candidates: number;
  history: number;
  dimension: number;
  features: number;
  /** Share of candidates without an embedding. @defaultValue 0.1 */
  missingEmbeddings?: number;
  /** Share of history items masked (null). @defaultValue 0.1 */
  maskedHistory?: number;
  /** @defaultValue true */
  query?: boolean;
}

/** A list of random unit embeddings and normal features, for checking forward passes against each other. */
export function randomList(rng: Rng, options: RandomListOptions): RerankList {
  const { candidates, history, dimension: d, features } = options;
  return {
    queryEmbedding: options.query === false ? null : unit(rng, d),
    candidates: Array.from({ length: candidates }, () => ({
      features: Array.from({ length: features }, () => rng.normal() * 3 + 1),
      embedding: rng.next() < (options.missingEmbeddings ?? 0.1) ? null : unit(rng, d),
    })),
    history: Array.from({ length: history }, () => ({
      embedding: rng.next() < (options.maskedHistory ?? 0.1) ? null : unit(rng, d),
      weight: rng.next(),
    })),
  };
}

/** Replaces every weight with a random normal · scale, so every path of the model matters (trained-looking, not init-looking). */
export function scrambleWeights(weights: RerankerWeights, seed: number, scale = 0.4): RerankerWeights {
  const rng = new Rng(seed);
  for (const array of Object.values(weights) as Float32Array[]) for (let i = 0; i < array.length; i++) array[i] = rng.normal() * scale;
  return weights;
}

export const SYNTHETIC_FEATURES = ["quality", "noise", "retrieval_score"] as const;

export interface SyntheticTaskOptions {
  lists: number;
  candidates: number;
  history: number;
  dimension: number;
  /** Share of lists whose user has no history. @defaultValue 0.1 */
  emptyHistory?: number;
  seed: number;
  /** The item clusters' seed: tasks with the same one share the item space, so a model trained on one can be tested on another. @defaultValue 99 */
  clusterSeed?: number;
}

/**
 * Lists where relevance depends on (a) the `quality` feature and (b) whether the candidate belongs to
 * the cluster the user's history comes from — something only the history can tell. Input order is
 * random (retrieval knows neither), and `retrieval_score` is noise.
 */
export function syntheticRerankTask(options: SyntheticTaskOptions): LabeledRerankList[] {
  const d = options.dimension;
  const clusterRng = new Rng(options.clusterSeed ?? 99);
  const clusters = Array.from({ length: 6 }, () => unit(clusterRng, d));
  const rng = new Rng(options.seed);
  const item = (cluster: number): Float32Array => {
    const center = clusters[cluster] as Float32Array;
    const v = center.map((x) => x + rng.normal() * 0.25);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  };
  const lists: LabeledRerankList[] = [];
  for (let l = 0; l < options.lists; l++) {
    const liked = rng.int(clusters.length);
    const personal = rng.next() >= (options.emptyHistory ?? 0.1);
    const candidates: LabeledRerankList["candidates"][number][] = [];
    const labels: number[] = [];
    for (let c = 0; c < options.candidates; c++) {
      const cluster = rng.next() < 0.3 ? liked : rng.int(clusters.length);
      const quality = rng.next();
      const latent = 1.6 * quality + (cluster === liked ? 1.6 : 0) + rng.normal() * 0.15;
      candidates.push({ features: [quality, rng.normal(), rng.next() * 10], embedding: item(cluster) });
      labels.push(latent > 2.6 ? 2 : latent > 1.9 ? 1 : 0);
    }
    lists.push({
      queryEmbedding: unit(rng, d),
      candidates,
      labels,
      history: personal ? Array.from({ length: options.history }, (_, j) => ({ embedding: item(liked), weight: 1 - j / options.history })) : [],
      group: `q${l}`,
    });
  }
  return lists;
}
