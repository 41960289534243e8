import { type SidecarConfig } from "../config";
import { loadCatalog, type CatalogReadOptions, type LoadSummary, type Product } from "../indexing";
import { readCatalogProducts } from "../model/training-inputs";
import { type ServingEmbedder } from "../runtime";
import { withThrowawaySidecar } from "./throwaway-sidecar";
import { figure, round, type ThroughputFigure } from "./throughput-figure";

export interface EnrichBenchOptions extends CatalogReadOptions {
  /** The sidecar's config; the bench replaces its aliases with throw-away ones and listens on a free port. */
  config: SidecarConfig;
  embedder: ServingEmbedder;
  /** Products read from the catalog. @defaultValue 20000 */
  limit?: number;
  /** Documents per enrich request, as `relevance load` sends them. @defaultValue 500 */
  batchSize?: number;
  /** Enrich requests in flight. @defaultValue 2 */
  concurrency?: number;
  /** Reports each phase as it starts. */
  onPhase?: (phase: string) => void;
}

export interface EnrichBenchResult {
  model: { name: string; version: string; dimension: number };
  /** The model alone: cleaned products → vectors, in the enrichment path's batch size. */
  embedded: ThroughputFigure;
  /** Baseline: the same documents through `/v1/enrich` with no model (clean, hash, bulk write; BM25 fields only). */
  bm25_only_indexed: ThroughputFigure;
  /** The same documents through `/v1/enrich` with the model: clean, hash, embed, bulk write with vectors. */
  enriched_indexed: ThroughputFigure;
  /** enriched_indexed ÷ bm25_only_indexed docs/s: what embedding, and indexing the vectors in HNSW, cost the end-to-end rate. */
  enriched_vs_bm25_only: number;
}

async function timeEmbedding(embedder: ServingEmbedder, products: readonly Product[], batchSize: number): Promise<ThroughputFigure> {
  await embedder.embedProducts(products.slice(0, Math.min(products.length, batchSize)));
  const started = performance.now();
  for (let start = 0; start < products.length; start += batchSize) await embedder.embedProducts(products.slice(start, start + batchSize));
  return figure(products.length, 0, (performance.now() - started) / 1000);
}

/**
 * Loads the catalog into fresh indexes of its own through a sidecar's `/v1/enrich` over HTTP, like
 * `relevance load`; `embedder` null is the BM25-only baseline. The indexes are deleted after.
 */
async function timeIndexing(config: SidecarConfig, embedder: ServingEmbedder | null, path: string, options: EnrichBenchOptions): Promise<ThroughputFigure> {
  return withThrowawaySidecar(config, embedder, options.embedder.dimension, async ({ client }) => {
    const summary: LoadSummary = await loadCatalog(path, {
      ...options,
      limit: options.limit ?? 20_000,
      batchSize: options.batchSize ?? 500,
      concurrency: options.concurrency ?? 2,
      send: (documents) => client.enrich(documents),
    });
    return figure(summary.loaded, summary.failed, summary.seconds);
  });
}

/**
 * Documents/second embedded by the model alone, and indexed end to end through `/v1/enrich` without
 * and with the model, in one run against one OpenSearch.
 */
export async function benchEnrichment(path: string, options: EnrichBenchOptions): Promise<EnrichBenchResult> {
  options.onPhase?.("embedding");
  const products = [...(await readCatalogProducts(path, { ...options, limit: options.limit ?? 20_000 })).products.values()];
  if (products.length === 0) throw new Error(`no usable products in ${path} (check --map)`);
  const embedded = await timeEmbedding(options.embedder, products, options.batchSize ?? 500);
  options.onPhase?.("indexing without the model (baseline)");
  const bm25Only = await timeIndexing(options.config, null, path, options);
  options.onPhase?.("indexing with the model");
  const enriched = await timeIndexing(options.config, options.embedder, path, options);
  return {
    model: { name: options.embedder.name, version: options.embedder.version, dimension: options.embedder.dimension },
    embedded,
    bm25_only_indexed: bm25Only,
    enriched_indexed: enriched,
    enriched_vs_bm25_only: round(enriched.docs_per_second / Math.max(bm25Only.docs_per_second, 1e-9), 3),
  };
}
