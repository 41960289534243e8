import { z } from "zod";

/**
 * Where the CLI finds the services it talks to (CONTRACTS §1). Read from the environment once;
 * command-line flags override individual fields.
 */
export interface ConnectionSettings {
  /** @defaultValue "http://127.0.0.1:9200" (env OPENSEARCH_URL) */
  readonly opensearchUrl: string;
  /** @defaultValue "redis://127.0.0.1:6379" (env REDIS_URL) */
  readonly redisUrl: string;
  /** @defaultValue "http://127.0.0.1:8080" (env SIDECAR_URL) */
  readonly sidecarUrl: string;
  /** Sent as `x-api-key` to the sidecar (CONTRACTS §5 Access). @defaultValue none: the anonymous scope (env SIDECAR_API_KEY) */
  readonly sidecarApiKey?: string;
}

const ConnectionSettingsSchema = z.object({
  opensearchUrl: z.url().default("http://127.0.0.1:9200"),
  redisUrl: z.url().default("redis://127.0.0.1:6379"),
  sidecarUrl: z.url().default("http://127.0.0.1:8080"),
  sidecarApiKey: z
    .string()
    .regex(/^[\x21-\x7e]+$/, "SIDECAR_API_KEY must be printable ASCII without spaces")
    .optional(),
});

export function readConnectionSettings(env: NodeJS.ProcessEnv = process.env): ConnectionSettings {
  const parsed = ConnectionSettingsSchema.safeParse({
    opensearchUrl: env.OPENSEARCH_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
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
