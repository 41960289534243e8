import { DocumentScan } from "../jobs/document-scan";
import { type OpenSearchGateway } from "../opensearch";

/**
 * The served embeddings of the products: the `embedding` field of every document behind the products
 * alias (written by the promoted embedding model), read in id order. Documents without a vector are
 * left out; an index without any gives an empty map (the simulator then uses facet preferences).
 */
export async function readItemVectors(gateway: OpenSearchGateway, index: string, options: { timeoutMs?: number } = {}): Promise<Map<string, Float32Array>> {
  const vectors = new Map<string, Float32Array>();
  const scan = new DocumentScan(gateway, { index, size: 1000, source: ["id", "embedding"], timeoutMs: options.timeoutMs ?? 30_000 });
  for await (const page of scan.pages(null)) {
    for (const { id, source } of page.documents) {
      const embedding = source.embedding;
      if (Array.isArray(embedding) && embedding.length > 0 && embedding.every((x) => typeof x === "number")) vectors.set(id, Float32Array.from(embedding));
    }
  }
  return vectors;
}
