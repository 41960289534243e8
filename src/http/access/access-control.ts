import { type RequestHandler } from "express";
import { type ApiKey } from "../../config";
import { ForbiddenError, UnauthenticatedError } from "../../errors";
import { AccessPolicy, productsIndexMatcher, type AccessRule } from "./access-policy";
import { ApiKeyRing } from "./api-key-ring";
import { checkIndexReferences } from "./index-references";
import { scopeAllows, setAccess, type Scope } from "./scope";

export interface AccessControlOptions {
  /** Keys and their scopes (config `apiKeys`). */
  readonly apiKeys: readonly ApiKey[];
  /** The scope of a request without `x-api-key`; never admin. */
  readonly anonymousScope: Exclude<Scope, "admin">;
  /** The products alias; it and its versioned indexes are what `search` and `write` reach. */
  readonly productsAlias: string;
  /**
   * The sidecar's own OpenSearch credentials. They are added here, to requests this check admitted
   * that carry no `Authorization` of their own, and nowhere else: the proxy holds no credentials.
   * @defaultValue none
   */
  readonly serviceAuth?: { readonly username: string; readonly password: string } | undefined;
  /** @defaultValue ACCESS_POLICY */
  readonly rules?: readonly AccessRule[];
}

/**
 * The sidecar's door (CONTRACTS §5 Access): finds the caller's scope from `x-api-key` (unknown key →
 * 401, none → the anonymous scope), asks the policy what the request needs, refuses with 403 naming
 * that scope, and records the decision for later handlers ({@link accessOf}). Mounted before every route.
 */
export function accessControl(options: AccessControlOptions): RequestHandler {
  if ((options.anonymousScope as Scope) === "admin") throw new Error("the anonymous scope can never be admin");
  const keys = new ApiKeyRing(options.apiKeys);
  const isProducts = productsIndexMatcher(options.productsAlias);
  const policy = new AccessPolicy(isProducts, options.rules);
  const { serviceAuth } = options;
  const serviceAuthorization = serviceAuth ? `Basic ${Buffer.from(`${serviceAuth.username}:${serviceAuth.password}`).toString("base64")}` : undefined;

  return (req, res, next) => {
    const presented = req.headers["x-api-key"];
    // The sidecar's key is for the sidecar: it is never forwarded to OpenSearch.
    delete req.headers["x-api-key"];
    const scope = presented === undefined ? options.anonymousScope : keys.scopeOf(Array.isArray(presented) ? presented.join(", ") : presented);
    if (scope === undefined) {
      next(new UnauthenticatedError("the x-api-key header names no configured key"));
      return;
    }
    const required = policy.required(req.method, req.originalUrl);
    if (!scopeAllows(scope, required.scope)) {
      next(new ForbiddenError(`this request needs the "${required.scope}" scope; the caller has "${scope}"`));
      return;
    }
    const format = required.body;
    const checkBody = format && scope !== "admin" ? (body: Buffer) => checkIndexReferences(body, format, isProducts, scope) : undefined;
    setAccess(res, { scope, ...(checkBody ? { checkBody } : {}) });
    if (serviceAuthorization && req.headers.authorization === undefined) req.headers.authorization = serviceAuthorization;
    next();
  };
}
