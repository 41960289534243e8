import { randomUUID } from "node:crypto";
import { loadConfig, type ConfigOverrides, type SidecarConfig } from "../../src/config";

/** Set by test/setup.ts once the run's OpenSearch answers. */
let openSearchUrl: string | undefined;

export function setTestOpenSearchUrl(url: string): void {
  openSearchUrl = url;
}

export function testOpenSearchUrl(): string {
  if (!openSearchUrl) throw new Error("OpenSearch is not up: test/setup.ts did not run");
  return openSearchUrl;
}

export function testRedisUrl(): string {
  return process.env.REDIS_URL || "redis://127.0.0.1:6379";
}

/** A lowercase name no other test run will use, for indexes, aliases and queues. */
export function randomName(prefix = "t"): string {
  return `${prefix}-${randomUUID().slice(0, 12)}`;
}

/** One key per scope, configured in every {@link testConfig}; tests send them as `x-api-key`. */
export const TEST_API_KEYS = {
  search: "test-search-key-0123456789",
  write: "test-write-key-0123456789",
  admin: "test-admin-key-0123456789",
} as const;

/** The HMAC key every {@link testConfig} pseudonymizes with, so tests can compute the expected user keys. */
export const TEST_PSEUDONYM_KEY = "test-pseudonym-key-0123456789abcdef";

/** A sidecar config against the run's real services, with aliases of its own. */
export function testConfig(overrides: ConfigOverrides = {}): SidecarConfig {
  const prefix = randomName("test");
  return loadConfig({
    opensearchUrl: testOpenSearchUrl(),
    redisUrl: testRedisUrl(),
    logLevel: "silent",
    port: 0,
    productsAlias: `${prefix}-products`,
    eventsAlias: `${prefix}-events`,
    profilesAlias: `${prefix}-profiles`,
    // Tests train models and run clients in the sidecar's own process: load shedding by loop delay is off
    // here (test/http/event-loop-guard.test.ts turns it on).
    maxEventLoopDelayMs: 0,
    apiKeys: Object.entries(TEST_API_KEYS).map(([scope, key]) => ({ key, scope: scope as keyof typeof TEST_API_KEYS })),
    pseudonymKey: TEST_PSEUDONYM_KEY,
    ...overrides,
  });
}
