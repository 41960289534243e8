import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { projectRoot } from "../config";
import { OpenSearchRejectedError } from "./errors";
import { type OpenSearchGateway } from "./gateway";

/** The index families the sidecar owns; each has a template file in `index-templates/`. */
export const INDEX_KINDS = ["products", "events", "profiles"] as const;
export type IndexKind = (typeof INDEX_KINDS)[number];

export interface IndexSetupOptions {
  /** Alias per kind, e.g. `{products: "products", events: "events", profiles: "profiles"}`. */
  aliases: Readonly<Record<IndexKind, string>>;
  /** Dimension of every `knn_vector` field (the active embedding model's). */
  embeddingDimension: number;
}

export interface IndexSetupResult {
  kind: IndexKind;
  alias: string;
  index: string;
  created: boolean;
}

interface IndexTemplate {
  index_patterns: string[];
  template: { mappings: { properties: Record<string, { type?: string; dimension?: number }> } };
}

/** Reads `index-templates/<kind>.json` and points it at `<alias>-*` with the given vector dimension. */
export async function buildIndexTemplate(kind: IndexKind, alias: string, embeddingDimension: number): Promise<IndexTemplate> {
  const text = await readFile(join(projectRoot(), "index-templates", `${kind}.json`), "utf8");
  const template = JSON.parse(text) as IndexTemplate;
  template.index_patterns = [`${alias}-*`];
  for (const field of Object.values(template.template.mappings.properties)) {
    if (field.type === "knn_vector") field.dimension = embeddingDimension;
  }
  return template;
}

/** `products` → `products-000001`; later generations (reindexing) count up. */
export function versionedIndexName(alias: string, generation: number): string {
  return `${alias}-${String(generation).padStart(6, "0")}`;
}

/** The inverse of {@link versionedIndexName}: `products-000003` → 3 for alias `products`; null for any other name. */
export function indexGeneration(alias: string, index: string): number | null {
  if (index.length !== alias.length + 7 || !index.startsWith(`${alias}-`)) return null;
  const digits = index.slice(alias.length + 1);
  for (let i = 0; i < digits.length; i++) {
    const code = digits.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return null;
  }
  return Number(digits);
}

/** Indexes the alias points at (empty when the alias does not exist). */
export async function indexesBehindAlias(gateway: OpenSearchGateway, alias: string): Promise<string[]> {
  const response = await gateway.request<Record<string, unknown>>("GET", `/_alias/${encodeURIComponent(alias)}`, undefined, {
    ignore: [404],
    retries: 1,
  });
  if (response.statusCode === 404) return [];
  return Object.keys(response.body).sort();
}

/**
 * Installs the index templates and makes sure every alias points at a versioned index. Idempotent:
 * existing aliases are left where they point; templates are rewritten (new indexes pick them up).
 */
export async function setupIndexes(gateway: OpenSearchGateway, options: IndexSetupOptions): Promise<IndexSetupResult[]> {
  const results: IndexSetupResult[] = [];
  for (const kind of INDEX_KINDS) {
    const alias = options.aliases[kind];
    const template = await buildIndexTemplate(kind, alias, options.embeddingDimension);
    await gateway.request("PUT", `/_index_template/${encodeURIComponent(alias)}`, template, { timeoutMs: 30000 });
    const existing = await indexesBehindAlias(gateway, alias);
    if (existing.length > 0) {
      results.push({ kind, alias, index: existing[existing.length - 1] ?? alias, created: false });
      continue;
    }
    const index = versionedIndexName(alias, 1);
    try {
      await gateway.request("PUT", `/${index}`, { aliases: { [alias]: { is_write_index: true } } }, { timeoutMs: 30000 });
      results.push({ kind, alias, index, created: true });
    } catch (err) {
      // Another setup run won the race: the index exists, so only the alias may be missing.
      if (!(err instanceof OpenSearchRejectedError && err.errorType === "resource_already_exists_exception")) throw err;
      await gateway.request("PUT", `/${index}/_alias/${encodeURIComponent(alias)}`, undefined, { timeoutMs: 30000 });
      results.push({ kind, alias, index, created: false });
    }
  }
  return results;
}

/** Deletes the templates and every index behind the aliases (tests and `relevance teardown`). */
export async function deleteIndexes(gateway: OpenSearchGateway, aliases: Readonly<Record<IndexKind, string>>): Promise<void> {
  for (const kind of INDEX_KINDS) {
    const alias = aliases[kind];
    await gateway.request("DELETE", `/${encodeURIComponent(alias)}-*`, undefined, { ignore: [404], timeoutMs: 30000 });
    await gateway.request("DELETE", `/_index_template/${encodeURIComponent(alias)}`, undefined, { ignore: [404], timeoutMs: 30000 });
  }
}
