import { strict as assert } from "node:assert";
import { ACCESS_POLICY, AccessPolicy, productsIndexMatcher, type AccessRule, type Scope } from "../../src/http/access";
import { checkIndexReferences } from "../../src/http/access/index-references";
import { ForbiddenError, ValidationError } from "../../src/errors";

type Case = readonly [method: string, target: string, scope: Scope, body?: "json" | "ndjson"];

/** What each request needs, with the products alias `products`; one group per rule of the policy, then the default. */
const CASES: readonly Case[] = [
  // Probes
  ["GET", "/healthz", "search"],
  ["GET", "/readyz", "search"],
  ["GET", "/metrics", "search"],
  ["POST", "/healthz", "admin"],
  // The sidecar's API
  ["POST", "/v1/search", "search"],
  ["POST", "/V1/Search", "search"],
  ["POST", "/v1/enrich", "write"],
  ["POST", "/v1/events", "write"],
  ["DELETE", "/v1/profiles/u-1", "admin"],
  ["GET", "/v1/profiles/u-1", "admin"],
  ["GET", "/V1/PROFILES/u-1", "admin"],
  ["POST", "/v1/jobs", "admin"],
  ["GET", "/v1/jobs/42", "admin"],
  ["POST", "/v1/candidates", "admin"],
  ["GET", "/v1/Jobs/42", "admin"],
  ["GET", "/v1/nothing-here", "search"],
  ["GET", "/v1", "search"],
  ["GET", "/v1/jobs/", "admin"],
  // Reads and searches on products
  ["GET", "/", "search"],
  ["HEAD", "/", "search"],
  ["POST", "/", "admin"],
  ["GET", "/products/_search", "search", "json"],
  ["POST", "/products/_search?q=drill&size=5", "search", "json"],
  ["POST", "/products-000001/_search", "search", "json"],
  ["POST", "/products/_msearch", "search", "ndjson"],
  ["GET", "/products/_count", "search", "json"],
  ["GET", "/products/_doc/a%20b", "search"],
  ["HEAD", "/products/_doc/1", "search"],
  ["GET", "/products/_source/1", "search"],
  ["HEAD", "/products/_source/1", "search"],
  ["POST", "/products/_mget", "search", "json"],
  ["GET", "/products/_explain/1", "search", "json"],
  ["POST", "/products/_validate/query", "search", "json"],
  ["GET", "/products/_field_caps?fields=title", "search", "json"],
  ["POST", "/products/_termvectors", "search", "json"],
  ["GET", "/products/_termvectors/1", "search", "json"],
  ["POST", "/products/_search/point_in_time?keep_alive=1m", "search"],
  ["GET", "/_search/scroll", "search"],
  ["POST", "/_search/scroll", "search"],
  ["DELETE", "/_search/scroll", "search"],
  ["DELETE", "/_search/scroll/_all", "admin"],
  // Enriched writes
  ["POST", "/_bulk", "write"],
  ["PUT", "/_bulk?refresh=true", "write"],
  ["POST", "/products/_bulk", "write"],
  ["PUT", "/products-000002/_bulk", "write"],
  ["POST", "/products/_doc", "write"],
  ["PUT", "/products/_doc/1", "write"],
  ["POST", "/products/_doc/1?refresh=wait_for", "write"],
  ["PUT", "/products/_create/1", "write"],
  ["POST", "/products/_update/1", "write"],
  ["DELETE", "/products/_doc/1", "write"],
  ["POST", "/products/_refresh", "write"],
  // …but an ingest pipeline could rewrite what the sidecar computed
  ["POST", "/_bulk?pipeline=p", "admin"],
  ["PUT", "/products/_doc/1?refresh=true&pipeline=p", "admin"],
  ["POST", "/products/_update/1?%70ipeline=p", "admin"],
  // Everything else is admin's
  ["DELETE", "/products", "admin"],
  ["DELETE", "/products-000001", "admin"],
  ["PUT", "/_cluster/settings", "admin"],
  ["GET", "/_cluster/health", "admin"],
  ["PUT", "/_scripts/x", "admin"],
  ["POST", "/_aliases", "admin"],
  ["POST", "/products/_close", "admin"],
  ["POST", "/products/_open", "admin"],
  ["PUT", "/_snapshot/x", "admin"],
  ["POST", "/_reindex", "admin"],
  ["POST", "/products/_update_by_query", "admin"],
  ["POST", "/products/_delete_by_query", "admin"],
  ["GET", "/_cat/indices", "admin"],
  ["POST", "/_search", "admin"],
  ["POST", "/_msearch", "admin"],
  ["POST", "/_mget", "admin"],
  ["GET", "/products/_mapping", "admin"],
  ["GET", "/products/_settings", "admin"],
  ["DELETE", "/products/_search/point_in_time", "admin"],
  ["POST", "/products/_search/template", "admin"],
  ["PATCH", "/products/_doc/1", "admin"],
  ["OPTIONS", "/products/_search", "admin"],
  // Other indexes, lists, wildcards
  ["POST", "/other/_search", "admin"],
  ["POST", "/products,other/_search", "admin"],
  ["POST", "/products%2Cother/_search", "admin"],
  ["POST", "/products*/_search", "admin"],
  ["POST", "/prod*/_search", "admin"],
  ["POST", "/_all/_search", "admin"],
  ["POST", "/products-1/_search", "admin"],
  ["POST", "/products-0000001/_search", "admin"],
  ["POST", "/products-00000a/_search", "admin"],
  ["POST", "/other/_bulk", "admin"],
  ["PUT", "/other/_doc/1", "admin"],
  ["GET", "/other/_doc/1", "admin"],
  ["POST", "/PRODUCTS/_search", "admin"],
  ["POST", "/products/_SEARCH", "admin"],
  // Paths no rule below admin matches
  ["POST", "/products/../_search", "admin"],
  ["POST", "/products/./_search", "admin"],
  ["POST", "/products/%2e%2e/other/_search", "admin"],
  ["POST", "//products/_search", "admin"],
  ["POST", "/products//_search", "admin"],
  ["POST", "/products/_search/", "admin"],
  ["GET", "/products/_doc/a%2Fb", "admin"],
  ["GET", "/products/_doc/a%5Cb", "admin"],
  ["GET", "/products/_doc/a\\b", "admin"],
  ["GET", "/products/_doc/a%00b", "admin"],
  ["GET", "/healthz/", "admin"],
];

describe("access policy, rule by rule", () => {
  const policy = new AccessPolicy(productsIndexMatcher("products"));

  for (const [method, target, scope, body] of CASES) {
    it(`${method} ${target} needs ${scope}${body ? ` and checks the ${body} body` : ""}`, () => {
      const required = policy.required(method, target);
      assert.equal(required.scope, scope);
      assert.equal(required.body, scope === "admin" ? undefined : body);
    });
  }

  it("has a case for every rule", () => {
    const used = new Set<AccessRule>();
    for (const [method, target] of CASES) {
      const rule = policy.required(method, target).rule;
      if (rule) used.add(rule);
    }
    const untested = ACCESS_POLICY.filter((rule) => !used.has(rule)).map((rule) => `${String(rule.methods)} ${rule.path}`);
    assert.deepEqual(untested, []);
  });

  it("answers a malformed percent-escape with a ValidationError, whatever the path", () => {
    for (const target of ["/products/_doc/%E0%A4%A", "/%zz", "/v1/search%", "/_cluster/%"]) {
      assert.throws(() => policy.required("GET", target), ValidationError, target);
    }
  });

  it("refuses a request target that is not a path", () => {
    assert.throws(() => policy.required("GET", "http://user:pw@example.com/products/_search"), ValidationError);
  });

  it("matches only the products alias and its six-digit versioned indexes", () => {
    const isProducts = productsIndexMatcher("shop-items");
    assert.ok(isProducts("shop-items"));
    assert.ok(isProducts("shop-items-000123"));
    for (const name of ["shop", "shop-items-12345", "shop-items-1234567", "shop-items-00012a", "shop-items,x", "shop-items*", "_all", "x-shop-items"]) {
      assert.ok(!isProducts(name), name);
    }
  });
});

describe("index references in read/search bodies", () => {
  const isProducts = productsIndexMatcher("products");
  const check = (body: string, format: "json" | "ndjson") => checkIndexReferences(Buffer.from(body), format, isProducts, "search");

  it("lets _msearch headers name products or nothing", () => {
    check('{}\n{"query":{"match_all":{}}}\n{"index":"products"}\n{"query":{"match":{"title":"x"}}}\n{"index":["products-000001"]}\n{}\n', "ndjson");
    check("", "ndjson");
  });

  it("refuses _msearch headers naming any other index, in any spelling", () => {
    for (const header of ['{"index":"other"}', '{"indices":["products","other"]}', '{"index":"products,other"}', '{"index":"*"}', '{"index":"_all"}', '{"ind\\u0065x":"other"}', '{"index":7}']) {
      assert.throws(() => check(`{}\n{}\n${header}\n{"query":{"match_all":{}}}\n`, "ndjson"), ForbiddenError, header);
    }
  });

  it("refuses _mget docs, terms lookups and more-like-this docs that reach another index", () => {
    check('{"docs":[{"_id":"1"},{"_index":"products","_id":"2"}]}', "json");
    check('{"ids":["1","2"]}', "json");
    assert.throws(() => check('{"docs":[{"_id":"1"},{"_index":"profiles","_id":"u"}]}', "json"), ForbiddenError);
    assert.throws(() => check('{"query":{"terms":{"brand":{"index":"profiles","id":"u","path":"brands"}}}}', "json"), ForbiddenError);
    assert.throws(() => check('{"query":{"more_like_this":{"fields":["title"],"like":[{"_index":"events","_id":"1"}]}}}', "json"), ForbiddenError);
    assert.throws(() => check('{"_index":"other","doc":{"title":"x"}}', "json"), ForbiddenError);
  });

  it("answers malformed bodies with a ValidationError", () => {
    assert.throws(() => check('{"docs":[', "json"), ValidationError);
    assert.throws(() => check("[1,2]", "json"), ValidationError);
    assert.throws(() => check('{}\n{"query":{}}/*c*/\n', "ndjson"), ValidationError);
    assert.throws(() => check('{"index":"products"}\n"text"\n', "ndjson"), ValidationError);
  });

  it("walks deeply nested bodies without recursion", () => {
    const depth = 100_000;
    check(`${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`, "json");
    assert.throws(() => check(`${'{"a":['.repeat(depth)}{"index":"other"}${"]}".repeat(depth)}`, "json"), ForbiddenError);
  });
});
