import { type Product } from "./product";

/** A product as stored in OpenSearch: cleaned fields, derived fields, and the enrichment stamp. */
export interface IndexDocument extends Record<string, unknown> {
  id: string;
  title: string;
  content_hash: string;
  model_version: string | null;
  embedding?: number[];
  category_path?: string[];
  indexed_at: string;
}

/** `["Tools", "Hand Tools"]` → `["Tools", "Tools/Hand Tools"]`, so a filter on any prefix matches. */
function categoryPaths(category: readonly string[]): string[] {
  return category.map((_, i) => category.slice(0, i + 1).join("/"));
}

/** A cleaned product as its stored fields (unknown fields flattened back), without the derived ones. */
export function productSource(product: Product): Record<string, unknown> & Omit<Product, "extra"> {
  const { extra, ...fields } = product;
  return { ...extra, ...fields };
}

export function toIndexDocument(
  product: Product,
  hash: string,
  enrichment: { embedding: Float32Array; modelVersion: string } | null,
): IndexDocument {
  const document: IndexDocument = {
    ...productSource(product),
    content_hash: hash,
    model_version: enrichment?.modelVersion ?? null,
    indexed_at: new Date().toISOString(),
  };
  if (product.category) document.category_path = categoryPaths(product.category);
  // Rounded to 6 digits: OpenSearch stores floats, and shorter JSON makes bulk requests smaller.
  if (enrichment) document.embedding = Array.from(enrichment.embedding, (x) => Math.round(x * 1e6) / 1e6);
  return document;
}
