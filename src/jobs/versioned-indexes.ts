import { buildIndexTemplate, indexGeneration, indexesBehindAlias, OpenSearchRejectedError, versionedIndexName, type OpenSearchGateway } from "../opensearch";

/** Index administration calls may wait on the cluster state; a minute is generous. */
const ADMIN_TIMEOUT_MS = 60_000;

/** Versioned indexes of the alias with the model version recorded in their `_meta` (null when none is). */
export async function versionedIndexes(gateway: OpenSearchGateway, alias: string): Promise<{ index: string; generation: number; modelVersion: string | null }[]> {
  const response = await gateway.request<Record<string, { mappings?: { _meta?: { model_version?: unknown } } }>>(
    "GET",
    `/${encodeURIComponent(alias)}-*/_mapping`,
    undefined,
    { ignore: [404], timeoutMs: ADMIN_TIMEOUT_MS, retries: 1 },
  );
  if (response.statusCode === 404) return [];
  const found: { index: string; generation: number; modelVersion: string | null }[] = [];
  for (const [index, body] of Object.entries(response.body)) {
    const generation = indexGeneration(alias, index);
    if (generation === null) continue;
    const version = body.mappings?._meta?.model_version;
    found.push({ index, generation, modelVersion: typeof version === "string" ? version : null });
  }
  return found.sort((a, b) => a.generation - b.generation);
}

/** The name after the highest existing generation (kept rollback indexes count too, so names are never reused). */
export async function nextVersionedIndex(gateway: OpenSearchGateway, alias: string): Promise<string> {
  const existing = await versionedIndexes(gateway, alias);
  const highest = existing.reduce((max, entry) => Math.max(max, entry.generation), 0);
  return versionedIndexName(alias, highest + 1);
}

/** The single index behind the alias; a reindex needs exactly one to read from and swap away from. */
export async function liveIndex(gateway: OpenSearchGateway, alias: string): Promise<string | null> {
  const indexes = await indexesBehindAlias(gateway, alias);
  return indexes.length === 1 ? (indexes[0] ?? null) : null;
}

/**
 * Creates `index` from the products template with the model's vector dimension, recording the model
 * version in the mapping's `_meta` (what rollback looks for). Idempotent: an existing index is kept.
 */
export async function createVersionedIndex(gateway: OpenSearchGateway, alias: string, index: string, model: { version: string; dimension: number }): Promise<void> {
  const { template } = await buildIndexTemplate("products", alias, model.dimension);
  const settings = (template as { settings?: Record<string, unknown> }).settings;
  const body = {
    ...(settings ? { settings } : {}),
    mappings: { ...template.mappings, _meta: { model_version: model.version, built_by: "reindex" } },
  };
  try {
    await gateway.request("PUT", `/${encodeURIComponent(index)}`, body, { timeoutMs: ADMIN_TIMEOUT_MS });
  } catch (err) {
    if (!(err instanceof OpenSearchRejectedError && err.errorType === "resource_already_exists_exception")) throw err;
  }
}

/** Points the alias from `from` to `to` in one `_aliases` request: readers see one index or the other, never none or both. */
export async function swapAlias(gateway: OpenSearchGateway, alias: string, from: string, to: string): Promise<void> {
  await gateway.request(
    "POST",
    "/_aliases",
    {
      actions: [
        { remove: { index: from, alias } },
        { add: { index: to, alias, is_write_index: true } },
      ],
    },
    { timeoutMs: ADMIN_TIMEOUT_MS },
  );
}

/** The query for documents not stamped with model `version` (stale vectors). */
export function notOnVersion(version: string): Record<string, unknown> {
  return { bool: { must_not: [{ term: { model_version: version } }] } };
}

/** Makes every write so far searchable in `index`. */
export async function refreshIndex(gateway: OpenSearchGateway, index: string): Promise<void> {
  await gateway.request("POST", `/${encodeURIComponent(index)}/_refresh`, undefined, { timeoutMs: ADMIN_TIMEOUT_MS, retries: 1 });
}

/** Documents of `index` (matching `query` when given). */
export async function countDocuments(gateway: OpenSearchGateway, index: string, query?: Record<string, unknown>, timeoutMs = ADMIN_TIMEOUT_MS): Promise<number> {
  const response = await gateway.request<{ count: number }>("POST", `/${encodeURIComponent(index)}/_count`, query ? { query } : undefined, { timeoutMs, retries: 1 });
  return response.body.count;
}

/** `_meta.model_version` of the index (written by a reindex), else the single `model_version` its documents carry, else null. */
export async function indexModelVersion(gateway: OpenSearchGateway, index: string, timeoutMs = 10_000): Promise<string | null> {
  const mapping = await gateway.request<Record<string, { mappings?: { _meta?: { model_version?: unknown } } }>>("GET", `/${encodeURIComponent(index)}/_mapping`, undefined, {
    timeoutMs,
    retries: 1,
  });
  const meta = mapping.body[index]?.mappings?._meta?.model_version;
  if (typeof meta === "string") return meta;
  const response = await gateway.request<{ aggregations?: { versions?: { buckets?: { key: string }[] } } }>(
    "POST",
    `/${encodeURIComponent(index)}/_search`,
    { size: 0, track_total_hits: false, aggs: { versions: { terms: { field: "model_version", size: 2 } } } },
    { timeoutMs, retries: 1 },
  );
  const buckets = response.body.aggregations?.versions?.buckets ?? [];
  return buckets.length === 1 && buckets[0] ? buckets[0].key : null;
}

/**
 * The highest `_seq_no` the index has issued, the lowest over its primary shards (each shard numbers its
 * own operations): every write after this call has a higher `_seq_no` in its shard, so a catch-up reading
 * documents above it sees every later write (and, with several shards, some earlier ones again).
 */
export async function maxSeqNo(gateway: OpenSearchGateway, index: string): Promise<number> {
  const response = await gateway.request<{ indices?: Record<string, { shards?: Record<string, { routing?: { primary?: boolean }; seq_no?: { max_seq_no?: number } }[]> }> }>(
    "GET",
    `/${encodeURIComponent(index)}/_stats/docs`,
    undefined,
    { querystring: { level: "shards" }, timeoutMs: ADMIN_TIMEOUT_MS, retries: 1 },
  );
  const shards = Object.values(response.body.indices?.[index]?.shards ?? {}).flatMap((copies) => copies.filter((copy) => copy.routing?.primary));
  const numbers = shards.map((copy) => copy.seq_no?.max_seq_no ?? -1);
  if (numbers.length === 0) throw new Error(`no primary shard stats for ${index}`);
  return Math.min(...numbers);
}
