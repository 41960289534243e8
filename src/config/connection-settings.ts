import { z } from "zod";
import { SHARED_ENV, SHARED_FIELDS } from "./shared-settings";

/**
 * Where the CLI finds the services it talks to and the shared resources it works on (CONTRACTS §1):
 * the same variables, definitions and defaults as the sidecar's config (./shared-settings), read from
 * the environment once; command-line flags override individual fields.
 */
export interface ConnectionSettings {
  /** @defaultValue "http://127.0.0.1:9200" (env OPENSEARCH_URL) */
  readonly opensearchUrl: string;
  /** @defaultValue "redis://127.0.0.1:6379" (env REDIS_URL) */
  readonly redisUrl: string;
  /** @defaultValue "products" (env PRODUCTS_ALIAS) */
  readonly productsAlias: string;
  /** @defaultValue "events" (env EVENTS_ALIAS) */
  readonly eventsAlias: string;
  /** @defaultValue "profiles" (env PROFILES_ALIAS) */
  readonly profilesAlias: string;
  /** Where trained models are written, listed and promoted. @defaultValue "rerankers" (env MODELS_DIR) */
  readonly modelsDir: string;
  /** @defaultValue "http://127.0.0.1:8080" (env SIDECAR_URL) */
  readonly sidecarUrl: string;
  /** Sent as `x-api-key` to the sidecar (CONTRACTS §5 Access). @defaultValue none: the anonymous scope (env SIDECAR_API_KEY) */
  readonly sidecarApiKey?: string;
}

const ConnectionSettingsSchema = z.object({
  ...SHARED_FIELDS,
  sidecarUrl: z.url().default("http://127.0.0.1:8080"),
  sidecarApiKey: z
    .string()
    .regex(/^[\x21-\x7e]+$/, "SIDECAR_API_KEY must be printable ASCII without spaces")
    .optional(),
});

export function readConnectionSettings(env: NodeJS.ProcessEnv = process.env): ConnectionSettings {
  const shared = Object.fromEntries(Object.entries(SHARED_ENV).map(([variable, key]) => [key, env[variable] || undefined]));
  const parsed = ConnectionSettingsSchema.safeParse({
    ...shared,
    sidecarUrl: env.SIDECAR_URL || undefined,
    sidecarApiKey: env.SIDECAR_API_KEY || undefined,
  });
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new Error(`bad connection setting ${first?.path.join(".") ?? ""}: ${first?.message ?? "invalid"}`);
  }
  // The key is never part of a message: only the issue's own text is reported above.
  return Object.freeze({
    ...parsed.data,
    opensearchUrl: parsed.data.opensearchUrl.replace(/\/+$/, ""),
    sidecarUrl: parsed.data.sidecarUrl.replace(/\/+$/, ""),
  });
}
