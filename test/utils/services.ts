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
    ...overrides,
  });
}
