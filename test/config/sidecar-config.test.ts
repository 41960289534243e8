import { strict as assert } from "node:assert";
import { ConfigError, loadConfig, type ConfigOverrides } from "../../src/config";
import { INFERENCE_BACKENDS } from "../../src/model";

describe("sidecar config", () => {
  it("reads defaults, then the environment, then overrides", () => {
    const config = loadConfig({ port: 9999 }, { OPENSEARCH_URL: "http://search:9200/", PORT: "1234", SEARCH_DEADLINE_MS: "250" });
    assert.equal(config.opensearchUrl, "http://search:9200");
    assert.equal(config.port, 9999);
    assert.equal(config.searchDeadlineMs, 250);
    assert.equal(config.productsAlias, "products");
    assert.equal(config.hybrid.fusion, "minmax");
  });

  it("reads the hybrid fusion settings from the environment and lets overrides win", () => {
    const config = loadConfig({ hybrid: { knnWeight: 0.9 } }, { HYBRID_FUSION: "rrf", HYBRID_RRF_K: "20", HYBRID_KNN_WEIGHT: "0.1" });
    assert.deepEqual(config.hybrid, { fusion: "rrf", bm25Weight: 0.7, knnWeight: 0.9, rrfK: 20, candidates: 100 });
    assert.throws(() => loadConfig({}, { HYBRID_FUSION: "max" }), /hybrid\.fusion/);
  });

  it("accepts INFERENCE_BACKEND as auto or exactly the backends the ladder knows", () => {
    assert.equal(loadConfig({}, {}).inferenceBackend, "auto");
    for (const backend of INFERENCE_BACKENDS) assert.equal(loadConfig({}, { INFERENCE_BACKEND: backend }).inferenceBackend, backend);
    assert.throws(() => loadConfig({}, { INFERENCE_BACKEND: "cuda" }), /inferenceBackend/);
  });

  it("rejects unknown keys and bad values with the offending key named", () => {
    assert.throws(() => loadConfig({ colour: "red" } as unknown as ConfigOverrides, {}), (err: Error) => err instanceof ConfigError && /colour/.test(err.message));
    assert.throws(() => loadConfig({}, { PORT: "not-a-port" }), /port/);
    assert.throws(() => loadConfig({}, { OPENSEARCH_URL: "nope" }), /opensearchUrl/);
  });

  it("reads API_KEYS as key:scope entries and never puts a key in an error message", () => {
    const config = loadConfig({}, { API_KEYS: "search-key-0123456789:search, admin-key-0123456789abc:admin" });
    assert.deepEqual(config.apiKeys, [
      { key: "search-key-0123456789", scope: "search" },
      { key: "admin-key-0123456789abc", scope: "admin" },
    ]);
    const secret = "duplicate-key-0123456789";
    for (const env of [{ API_KEYS: `${secret}:search,${secret}:admin` }, { API_KEYS: `${secret}:root` }, { API_KEYS: "short:admin" }]) {
      assert.throws(
        () => loadConfig({}, env),
        (err: Error) => err instanceof ConfigError && /apiKeys/.test(err.message) && !err.message.includes(secret),
        env.API_KEYS,
      );
    }
  });

  it("never gives anonymous callers admin", () => {
    assert.equal(loadConfig({}, {}).anonymousScope, "search");
    assert.equal(loadConfig({}, { ANONYMOUS_SCOPE: "write" }).anonymousScope, "write");
    assert.throws(() => loadConfig({}, { ANONYMOUS_SCOPE: "admin" }), (err: Error) => err instanceof ConfigError && /anonymousScope/.test(err.message));
  });

  it("is deeply frozen", () => {
    const config = loadConfig({}, {});
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.hybrid));
    assert.throws(() => {
      (config as { port: number }).port = 1;
    }, TypeError);
  });
});
