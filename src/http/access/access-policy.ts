import { indexGeneration } from "../../opensearch";
import { readRequestPath } from "./request-path";
import { type Scope } from "./scope";

type Method = "GET" | "HEAD" | "POST" | "PUT" | "DELETE";

/** How a request body is read for index references (see index-references.ts). */
export type BodyFormat = "json" | "ndjson";

/** One line of the policy: these methods on this path need this scope. */
export interface AccessRule {
  /** The methods the rule covers; `"any"` for every method. */
  readonly methods: readonly Method[] | "any";
  /**
   * A path pattern, one pattern segment per path segment: a literal, `{products}` (the products alias
   * or one of its versioned indexes `<alias>-NNNNNN`), `{id}` (any one segment), or a final `**`
   * (any number of further segments, none included).
   */
  readonly path: string;
  readonly scope: Scope;
  /** The body can name other indexes than the path; below admin they are checked before forwarding. */
  readonly body?: BodyFormat;
  /** An enriched write: an ingest `pipeline` query parameter could rewrite sidecar-owned fields, so it needs admin. */
  readonly enrichedWrite?: true;
}

const GET_HEAD: readonly Method[] = ["GET", "HEAD"];
const GET_POST: readonly Method[] = ["GET", "POST"];
const PUT_POST: readonly Method[] = ["PUT", "POST"];

/**
 * Who may do what (CONTRACTS §5 Access). The first rule whose method and path match decides; a
 * request no rule matches needs `admin`. Every caller has at least `search`, so `search` rules are
 * open to all, anonymous callers included.
 */
export const ACCESS_POLICY: readonly AccessRule[] = [
  // Probes.
  { methods: ["GET"], path: "/healthz", scope: "search" },
  { methods: ["GET"], path: "/readyz", scope: "search" },
  { methods: ["GET"], path: "/metrics", scope: "search" },

  // The sidecar's own API. Unknown /v1 routes need only `search`: they answer 404.
  { methods: ["POST"], path: "/v1/search", scope: "search" },
  { methods: "any", path: "/v1/enrich/**", scope: "write" },
  { methods: "any", path: "/v1/events/**", scope: "write" },
  { methods: "any", path: "/v1/profiles/**", scope: "admin" },
  { methods: "any", path: "/v1/jobs/**", scope: "admin" },
  // Candidate lists with their features, embeddings and the user's history: training data, not a search API.
  { methods: "any", path: "/v1/candidates/**", scope: "admin" },
  { methods: "any", path: "/v1/**", scope: "search" },

  // OpenSearch reads and searches on products, through the proxy.
  { methods: GET_HEAD, path: "/", scope: "search" },
  { methods: GET_POST, path: "/{products}/_search", scope: "search", body: "json" },
  { methods: GET_POST, path: "/{products}/_msearch", scope: "search", body: "ndjson" },
  { methods: GET_POST, path: "/{products}/_count", scope: "search", body: "json" },
  { methods: GET_HEAD, path: "/{products}/_doc/{id}", scope: "search" },
  { methods: GET_HEAD, path: "/{products}/_source/{id}", scope: "search" },
  { methods: GET_POST, path: "/{products}/_mget", scope: "search", body: "json" },
  { methods: GET_POST, path: "/{products}/_explain/{id}", scope: "search", body: "json" },
  { methods: GET_POST, path: "/{products}/_validate/query", scope: "search", body: "json" },
  { methods: GET_POST, path: "/{products}/_field_caps", scope: "search", body: "json" },
  { methods: GET_POST, path: "/{products}/_termvectors", scope: "search", body: "json" },
  { methods: GET_POST, path: "/{products}/_termvectors/{id}", scope: "search", body: "json" },
  { methods: ["POST"], path: "/{products}/_search/point_in_time", scope: "search" },
  // Scroll ids are capabilities handed out by a search the caller was allowed to run.
  { methods: ["GET", "POST", "DELETE"], path: "/_search/scroll", scope: "search" },

  // Enriched writes into products. Bulk operations naming other indexes are checked per operation by the bulk path.
  { methods: PUT_POST, path: "/_bulk", scope: "write", enrichedWrite: true },
  { methods: PUT_POST, path: "/{products}/_bulk", scope: "write", enrichedWrite: true },
  { methods: PUT_POST, path: "/{products}/_doc", scope: "write", enrichedWrite: true },
  { methods: PUT_POST, path: "/{products}/_doc/{id}", scope: "write", enrichedWrite: true },
  { methods: PUT_POST, path: "/{products}/_create/{id}", scope: "write", enrichedWrite: true },
  { methods: ["POST"], path: "/{products}/_update/{id}", scope: "write", enrichedWrite: true },
  { methods: ["DELETE"], path: "/{products}/_doc/{id}", scope: "write" },
  { methods: ["POST"], path: "/{products}/_refresh", scope: "write" },
];

/** What one request needs. */
export interface RequiredAccess {
  readonly scope: Scope;
  /** Set when the matched rule's body may name indexes. */
  readonly body?: BodyFormat;
  /** The rule that decided; none when nothing matched (admin by default). */
  readonly rule?: AccessRule;
}

/** Tells whether an index name is the products alias or one of its versioned indexes. */
export type IndexMatcher = (name: string) => boolean;

/** The products alias and its versioned indexes `<alias>-NNNNNN`, nothing else (no lists, no wildcards). */
export function productsIndexMatcher(alias: string): IndexMatcher {
  return (name) => name === alias || indexGeneration(alias, name) !== null;
}

interface CompiledRule {
  readonly rule: AccessRule;
  readonly pattern: readonly string[];
  /** The sidecar's own routes are matched case-insensitively, as Express routes them. */
  readonly ignoreCase: boolean;
}

/** The policy, compiled once per sidecar for its products alias. */
export class AccessPolicy {
  readonly #rules: readonly CompiledRule[];
  readonly #isProducts: IndexMatcher;

  constructor(isProducts: IndexMatcher, rules: readonly AccessRule[] = ACCESS_POLICY) {
    this.#isProducts = isProducts;
    this.#rules = rules.map((rule) => {
      if (!rule.path.startsWith("/")) throw new Error(`access rule path must start with "/": ${rule.path}`);
      const pattern = rule.path === "/" ? [] : rule.path.slice(1).split("/");
      const wildcard = pattern.indexOf("**");
      if (wildcard >= 0 && wildcard !== pattern.length - 1) throw new Error(`"**" may only end an access rule path: ${rule.path}`);
      return { rule, pattern, ignoreCase: pattern[0] === "v1" };
    });
  }

  /**
   * The scope a request needs, from its method and target (`req.originalUrl`).
   * @throws ValidationError when the path has a malformed percent-escape.
   */
  required(method: string, target: string): RequiredAccess {
    const { segments, query } = readRequestPath(target);
    if (segments === undefined) return { scope: "admin" };
    const matched = this.#rules.find((candidate) => this.#matches(candidate, method, segments))?.rule;
    if (!matched) return { scope: "admin" };
    if (matched.enrichedWrite && hasQueryParameter(query, "pipeline")) return { scope: "admin", rule: matched };
    return { scope: matched.scope, rule: matched, ...(matched.body ? { body: matched.body } : {}) };
  }

  #matches(candidate: CompiledRule, method: string, segments: readonly string[]): boolean {
    const { rule, pattern, ignoreCase } = candidate;
    if (rule.methods !== "any" && !(rule.methods as readonly string[]).includes(method)) return false;
    const open = pattern.at(-1) === "**";
    const fixed = open ? pattern.length - 1 : pattern.length;
    if (open ? segments.length < fixed : segments.length !== fixed) return false;
    for (let i = 0; i < fixed; i++) {
      const want = pattern[i] as string;
      const have = segments[i] as string;
      if (want === "{id}") continue;
      if (want === "{products}") {
        if (!this.#isProducts(have)) return false;
      } else if (ignoreCase ? want.toLowerCase() !== have.toLowerCase() : want !== have) {
        return false;
      }
    }
    return true;
  }
}

/** Whether the query string names a parameter, in any spelling OpenSearch would decode to it. */
function hasQueryParameter(query: string, name: string): boolean {
  if (query === "") return false;
  for (const pair of query.split("&")) {
    const equals = pair.indexOf("=");
    const key = equals < 0 ? pair : pair.slice(0, equals);
    if (key === name || safeDecode(key) === name) return true;
  }
  return false;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll("+", " "));
  } catch {
    return text;
  }
}
