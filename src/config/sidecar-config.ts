import { availableParallelism } from "node:os";
import { z } from "zod";
import { SHARED_FIELDS } from "./shared-settings";

/** How hybrid retrieval fuses the BM25 and kNN candidate lists. */
export const FUSION_METHODS = ["minmax", "rrf"] as const;
export type FusionMethod = (typeof FUSION_METHODS)[number];

const HybridSchema = z.strictObject({
  /** @defaultValue "minmax" */
  fusion: z.enum(FUSION_METHODS).default("minmax"),
  // 0.7/0.3 won on a validation split the model was not trained on (README, "Tuning the fusion").
  /** Weight of the min-max-normalized BM25 score. @defaultValue 0.7 */
  bm25Weight: z.number().min(0).max(1).default(0.7),
  /** Weight of the min-max-normalized kNN score. @defaultValue 0.3 */
  knnWeight: z.number().min(0).max(1).default(0.3),
  /** RRF constant k. @defaultValue 60 */
  rrfK: z.number().int().positive().default(60),
  /** Candidates fetched from each retriever before fusion. @defaultValue 100 */
  candidates: z.number().int().min(10).max(1000).default(100),
});

/** Access scopes, lowest first; each includes the ones before it (CONTRACTS §5 Access). */
export const ACCESS_SCOPES = ["search", "write", "admin"] as const;
export type AccessScope = (typeof ACCESS_SCOPES)[number];

const ApiKeySchema = z.strictObject({
  /** The secret a caller sends in `x-api-key`. */
  key: z.string().regex(/^[A-Za-z0-9._~+/=-]{16,256}$/, "an API key must be 16–256 characters of A–Z a–z 0–9 . _ ~ + / = -"),
  scope: z.enum(ACCESS_SCOPES),
});
export type ApiKey = z.infer<typeof ApiKeySchema>;

/** `API_KEYS` is `key:scope,key:scope`; the keys themselves never appear in an error message. */
function parseApiKeys(value: string): unknown {
  return value
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")
    .map((entry) => {
      const colon = entry.lastIndexOf(":");
      return colon < 0 ? { key: entry, scope: "" } : { key: entry.slice(0, colon), scope: entry.slice(colon + 1) };
    });
}

const ConfigSchema = z.strictObject({
  /** @defaultValue "http://127.0.0.1:9200" (env OPENSEARCH_URL) */
  opensearchUrl: SHARED_FIELDS.opensearchUrl,
  /** Basic-auth user for OpenSearch, when the cluster has security enabled (env OPENSEARCH_USERNAME). */
  opensearchUsername: z.string().optional(),
  /** (env OPENSEARCH_PASSWORD) */
  opensearchPassword: z.string().optional(),
  /**
   * PEM file of the CA that signed the cluster's certificate, for an https OPENSEARCH_URL whose certificate
   * the system does not trust (e.g. the security plugin's own CA in docker/). (env OPENSEARCH_CA_FILE)
   */
  opensearchCaFile: z.string().min(1).optional(),
  /** @defaultValue "redis://127.0.0.1:6379" (env REDIS_URL) */
  redisUrl: SHARED_FIELDS.redisUrl,
  /** @defaultValue "127.0.0.1" (env HOST) */
  host: z.string().default("127.0.0.1"),
  /** @defaultValue 8080 (env PORT) */
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  /** @defaultValue "info" (env LOG_LEVEL) */
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Deadline for one OpenSearch call made by the sidecar itself. @defaultValue 2000 (env OPENSEARCH_TIMEOUT_MS) */
  opensearchTimeoutMs: z.coerce.number().int().positive().default(2000),
  /** Whole-request deadline for `/v1/search`. @defaultValue 1500 (env SEARCH_DEADLINE_MS) */
  searchDeadlineMs: z.coerce.number().int().positive().default(1500),
  /** Deadline for a proxied OpenSearch request (bulk loads can be slow). @defaultValue 60000 (env PROXY_TIMEOUT_MS) */
  proxyTimeoutMs: z.coerce.number().int().positive().default(60000),
  /** Largest JSON body accepted by `/v1/*`. @defaultValue "10mb" (env BODY_LIMIT) */
  bodyLimit: z.string().regex(/^\d+(b|kb|mb)$/i).default("10mb"),
  /** Largest body the proxy accepts (any proxied request, counted after decoding). @defaultValue "100mb" (env BULK_BODY_LIMIT) */
  bulkBodyLimit: z.string().regex(/^\d+(b|kb|mb)$/i).default("100mb"),
  /**
   * Request bytes held at once across all requests (bodies as read and decoded, and rewritten bulk
   * bodies); beyond it a request is answered 429 OVERLOADED with `Retry-After`. @defaultValue "256mb" (env MAX_INFLIGHT_BYTES)
   */
  maxInflightBytes: z.string().regex(/^\d+(b|kb|mb|gb)$/i).default("256mb"),
  /**
   * Load shedding: while the event loop's mean delay over the last 200 ms exceeds this, new requests
   * (probes excepted) are answered 429 OVERLOADED with `Retry-After`; 0 turns it off.
   * @defaultValue 100 (env MAX_EVENT_LOOP_DELAY_MS)
   */
  maxEventLoopDelayMs: z.coerce.number().min(0).max(10_000).default(100),
  /** Alias that the products index lives behind. @defaultValue "products" (env PRODUCTS_ALIAS) */
  productsAlias: SHARED_FIELDS.productsAlias,
  /** Alias of the behaviour-events index. @defaultValue "events" (env EVENTS_ALIAS) */
  eventsAlias: SHARED_FIELDS.eventsAlias,
  /** Alias of the user-profiles index. @defaultValue "profiles" (env PROFILES_ALIAS) */
  profilesAlias: SHARED_FIELDS.profilesAlias,
  /** Where trained models live. @defaultValue "rerankers" (env MODELS_DIR) */
  modelsDir: SHARED_FIELDS.modelsDir,
  /** Vector dimension of the embedding field when no model is active. @defaultValue 64 (env EMBEDDING_DIMENSION) */
  embeddingDimension: z.coerce.number().int().min(2).max(4096).default(64),
  /**
   * Where TensorFlow.js runs: `auto` walks tensorflow-gpu → tensorflow → wasm → cpu; a named backend is
   * used alone and start-up fails when it is unavailable. @defaultValue "auto" (env INFERENCE_BACKEND)
   */
  inferenceBackend: z.enum(["auto", "tensorflow-gpu", "tensorflow", "wasm", "cpu"]).default("auto"),
  /**
   * Worker threads `serve` embeds index-time product batches on (8 or more products; queries and
   * smaller batches stay on the event loop), so searches and `/healthz` keep answering while bulk
   * writes are embedded; 0 embeds everything on the event loop.
   * @defaultValue the cores less one, between 1 and 4 (env EMBEDDING_THREADS)
   */
  embeddingThreads: z.coerce.number().int().min(0).max(64).default(Math.max(1, Math.min(4, availableParallelism() - 1))),
  /** Keys and their scopes (env API_KEYS, `key:scope,...`). @defaultValue none: every caller has the anonymous scope */
  apiKeys: z
    .array(ApiKeySchema)
    .refine((keys) => new Set(keys.map((entry) => entry.key)).size === keys.length, "API_KEYS lists the same key more than once")
    .default([]),
  /** Scope of a request without a key; never `admin`. @defaultValue "search" (env ANONYMOUS_SCOPE) */
  anonymousScope: z.enum(["search", "write"], { message: 'ANONYMOUS_SCOPE must be "search" or "write" (anonymous callers never get admin)' }).default("search"),
  hybrid: HybridSchema.default(HybridSchema.parse({})),
  /** Candidates each retriever returns for `rerank` and `personal` (the re-ranker sees their fusion); bounds their paging. @defaultValue 100 (env RERANK_CANDIDATES) */
  rerankCandidates: z.coerce.number().int().min(10).max(300).default(100),
  /** `personal`: weight of the min-max-normalized interest-vector kNN score added to the hybrid fusion (rrf: of its reciprocal rank). @defaultValue 0.3 (env PERSONAL_KNN_WEIGHT) */
  personalKnnWeight: z.coerce.number().min(0).max(1).default(0.3),
  /** Longest the re-ranker model may take (within what is left of the search deadline); later, the answer keeps retrieval order. @defaultValue 300 (env RERANK_MODEL_TIMEOUT_MS) */
  rerankModelTimeoutMs: z.coerce.number().int().min(1).max(60_000).default(300),
  /** How long concurrent searches' lists are collected into one model call. @defaultValue 1 (env RERANK_BATCH_WINDOW_MS) */
  rerankBatchWindowMs: z.coerce.number().min(0).max(20).default(1),
  /** Lists per model call at most; a full batch is scored at once. @defaultValue 8 (env RERANK_BATCH_MAX_LISTS) */
  rerankBatchMaxLists: z.coerce.number().int().min(1).max(64).default(8),
  /**
   * Secret key of the HMAC-SHA256 that pseudonymizes user, session and event ids (env PSEUDONYM_KEY).
   * Optional here so commands that store no events run without it; `serve` refuses to start without it.
   */
  pseudonymKey: z.string().min(32, "PSEUDONYM_KEY must be at least 32 characters").optional(),
  /** Events older than this many days are rejected at ingest and deleted by `serve`'s retention sweep. @defaultValue 365 (env EVENT_RETENTION_DAYS) */
  eventRetentionDays: z.coerce.number().int().min(1).max(36500).default(365),
  /** Interactions kept in a user profile's recent list. @defaultValue 50 (env PROFILE_RECENT_ITEMS) */
  profileRecentItems: z.coerce.number().int().min(1).max(1000).default(50),
  /** Half-life of profile affinities and the interest vector. @defaultValue 30 (env PROFILE_HALF_LIFE_DAYS) */
  profileHalfLifeDays: z.coerce.number().min(1).max(3650).default(30),
  /** A profile's Redis keys expire this long after its last update. @defaultValue 180 (env PROFILE_TTL_DAYS) */
  profileTtlDays: z.coerce.number().min(0.01).max(3650).default(180),
  /** Profiles kept in each instance's in-process cache. @defaultValue 10000 (env PROFILE_CACHE_SIZE) */
  profileCacheSize: z.coerce.number().int().min(1).max(1_000_000).default(10000),
  /** Half-life of popularity, query clicks and co-interactions. @defaultValue 14 (env SIGNALS_HALF_LIFE_DAYS) */
  signalsHalfLifeDays: z.coerce.number().min(1).max(3650).default(14),
  /** Per-query and per-item signal keys expire this long after their last update. @defaultValue 90 (env SIGNALS_TTL_DAYS) */
  signalsTtlDays: z.coerce.number().min(0.01).max(3650).default(90),
  /** BullMQ queue of the rebuild jobs (`relevance worker`). @defaultValue "relevance-jobs" (env JOBS_QUEUE) */
  jobsQueue: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, "JOBS_QUEUE must be 1–100 characters of A–Z a–z 0–9 . _ -").default("relevance-jobs"),
  /** Jobs one worker process runs at once. @defaultValue 1 (env JOBS_CONCURRENCY) */
  jobsConcurrency: z.coerce.number().int().min(1).max(64).default(1),
  /** Attempts of a job before it lands in the failed set (the dead letters). @defaultValue 5 (env JOBS_ATTEMPTS) */
  jobsAttempts: z.coerce.number().int().min(1).max(100).default(5),
  /** First retry delay; each later retry waits twice as long. @defaultValue 5000 (env JOBS_BACKOFF_MS) */
  jobsBackoffMs: z.coerce.number().int().min(10).max(3_600_000).default(5000),
  /** A job's lock; a worker killed mid-job gives its job back to the queue about this long after. @defaultValue 30000 (env JOBS_LOCK_MS) */
  jobsLockMs: z.coerce.number().int().min(1000).max(600_000).default(30000),
  /** `relevance worker` serves `GET /metrics` on this port (on HOST); 0 turns it off. @defaultValue 0 (env WORKER_METRICS_PORT) */
  workerMetricsPort: z.coerce.number().int().min(0).max(65535).default(0),
  /** Documents read, re-embedded and written per reindex batch (one checkpoint each). @defaultValue 500 (env REINDEX_BATCH_SIZE) */
  reindexBatchSize: z.coerce.number().int().min(10).max(10_000).default(500),
  /** `serve` re-reads which index the products alias points at (and the model version it carries) this often; a swap announced on Redis is followed at once. @defaultValue 5000 (env LIVE_INDEX_REFRESH_MS) */
  liveIndexRefreshMs: z.coerce.number().int().min(100).max(600_000).default(5000),
});

export type SidecarConfig = Readonly<z.infer<typeof ConfigSchema>>;
export type ConfigOverrides = z.input<typeof ConfigSchema>;

/** Environment variable → config key, for everything read from the environment. */
const ENV_KEYS = {
  OPENSEARCH_URL: "opensearchUrl",
  OPENSEARCH_USERNAME: "opensearchUsername",
  OPENSEARCH_PASSWORD: "opensearchPassword",
  OPENSEARCH_CA_FILE: "opensearchCaFile",
  REDIS_URL: "redisUrl",
  HOST: "host",
  PORT: "port",
  LOG_LEVEL: "logLevel",
  OPENSEARCH_TIMEOUT_MS: "opensearchTimeoutMs",
  SEARCH_DEADLINE_MS: "searchDeadlineMs",
  PROXY_TIMEOUT_MS: "proxyTimeoutMs",
  BODY_LIMIT: "bodyLimit",
  BULK_BODY_LIMIT: "bulkBodyLimit",
  MAX_INFLIGHT_BYTES: "maxInflightBytes",
  MAX_EVENT_LOOP_DELAY_MS: "maxEventLoopDelayMs",
  PRODUCTS_ALIAS: "productsAlias",
  EVENTS_ALIAS: "eventsAlias",
  PROFILES_ALIAS: "profilesAlias",
  MODELS_DIR: "modelsDir",
  EMBEDDING_DIMENSION: "embeddingDimension",
  INFERENCE_BACKEND: "inferenceBackend",
  EMBEDDING_THREADS: "embeddingThreads",
  API_KEYS: "apiKeys",
  ANONYMOUS_SCOPE: "anonymousScope",
  PSEUDONYM_KEY: "pseudonymKey",
  EVENT_RETENTION_DAYS: "eventRetentionDays",
  PROFILE_RECENT_ITEMS: "profileRecentItems",
  PROFILE_HALF_LIFE_DAYS: "profileHalfLifeDays",
  PROFILE_TTL_DAYS: "profileTtlDays",
  PROFILE_CACHE_SIZE: "profileCacheSize",
  SIGNALS_HALF_LIFE_DAYS: "signalsHalfLifeDays",
  SIGNALS_TTL_DAYS: "signalsTtlDays",
  RERANK_CANDIDATES: "rerankCandidates",
  PERSONAL_KNN_WEIGHT: "personalKnnWeight",
  RERANK_MODEL_TIMEOUT_MS: "rerankModelTimeoutMs",
  RERANK_BATCH_WINDOW_MS: "rerankBatchWindowMs",
  RERANK_BATCH_MAX_LISTS: "rerankBatchMaxLists",
  JOBS_QUEUE: "jobsQueue",
  JOBS_CONCURRENCY: "jobsConcurrency",
  JOBS_ATTEMPTS: "jobsAttempts",
  JOBS_BACKOFF_MS: "jobsBackoffMs",
  JOBS_LOCK_MS: "jobsLockMs",
  REINDEX_BATCH_SIZE: "reindexBatchSize",
  WORKER_METRICS_PORT: "workerMetricsPort",
  LIVE_INDEX_REFRESH_MS: "liveIndexRefreshMs",
  HYBRID_FUSION: "hybrid.fusion",
  HYBRID_BM25_WEIGHT: "hybrid.bm25Weight",
  HYBRID_KNN_WEIGHT: "hybrid.knnWeight",
  HYBRID_RRF_K: "hybrid.rrfK",
  HYBRID_CANDIDATES: "hybrid.candidates",
} as const;

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Reads the sidecar's configuration once: defaults, then the environment, then explicit overrides
 * (tests and CLI flags). Unknown override keys are rejected; the result is deeply frozen.
 */
export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): SidecarConfig {
  const fromEnv: Record<string, unknown> = {};
  const hybridFromEnv: Record<string, unknown> = {};
  for (const [variable, key] of Object.entries(ENV_KEYS)) {
    const value = env[variable];
    if (value === undefined || value === "") continue;
    if (key.startsWith("hybrid.")) {
      const field = key.slice("hybrid.".length);
      hybridFromEnv[field] = field === "fusion" ? value : Number(value);
    } else {
      fromEnv[key] = key === "apiKeys" ? parseApiKeys(value) : value;
    }
  }
  const hybrid = { ...hybridFromEnv, ...(overrides.hybrid ?? {}) };
  const parsed = ConfigSchema.safeParse({ ...fromEnv, ...overrides, hybrid });
  if (!parsed.success) {
    // Messages only, never the rejected values: API keys and passwords must not reach a log.
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  const config = { ...parsed.data, opensearchUrl: parsed.data.opensearchUrl.replace(/\/+$/, "") };
  return deepFreeze(config);
}
