import { z } from "zod";

/**
 * The settings that every command and `serve` read alike (CONTRACTS §1): one definition and one default
 * each, used by both the sidecar's config and the CLI's settings, so the two cannot drift apart.
 */
export const SHARED_DEFAULTS = Object.freeze({
  opensearchUrl: "http://127.0.0.1:9200",
  redisUrl: "redis://127.0.0.1:6379",
  productsAlias: "products",
  eventsAlias: "events",
  profilesAlias: "profiles",
  modelsDir: "rerankers",
});

const aliasName = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "an alias is lowercase letters, digits, _ and -, starting with a letter or digit");

export const SHARED_FIELDS = {
  /** (env OPENSEARCH_URL) */
  opensearchUrl: z.url().default(SHARED_DEFAULTS.opensearchUrl),
  /** (env REDIS_URL) */
  redisUrl: z.url().default(SHARED_DEFAULTS.redisUrl),
  /** Alias that the products index lives behind (env PRODUCTS_ALIAS). */
  productsAlias: aliasName.default(SHARED_DEFAULTS.productsAlias),
  /** Alias of the behaviour-events index (env EVENTS_ALIAS). */
  eventsAlias: aliasName.default(SHARED_DEFAULTS.eventsAlias),
  /** Alias of the user-profiles index (env PROFILES_ALIAS). */
  profilesAlias: aliasName.default(SHARED_DEFAULTS.profilesAlias),
  /** Where trained models live; relative paths are relative to the working directory (env MODELS_DIR). */
  modelsDir: z.string().min(1).default(SHARED_DEFAULTS.modelsDir),
} as const;

/** Environment variable → shared setting. */
export const SHARED_ENV = {
  OPENSEARCH_URL: "opensearchUrl",
  REDIS_URL: "redisUrl",
  PRODUCTS_ALIAS: "productsAlias",
  EVENTS_ALIAS: "eventsAlias",
  PROFILES_ALIAS: "profilesAlias",
  MODELS_DIR: "modelsDir",
} as const satisfies Record<string, keyof typeof SHARED_FIELDS>;

/** A flag's help text names its variable and default, e.g. "(env MODELS_DIR, default rerankers)". */
export function envDefault(variable: keyof typeof SHARED_ENV): string {
  return `(env ${variable}, default ${SHARED_DEFAULTS[SHARED_ENV[variable]]})`;
}
