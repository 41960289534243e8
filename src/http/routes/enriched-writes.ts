import { type NextFunction, type Request, type RequestHandler, type Response } from "express";
import { ForbiddenError, InvalidJsonError, UnsupportedMediaTypeError, ValidationError } from "../../errors";
import { OpenSearchRejectedError } from "../../opensearch";
import { enrichBulk, isRecord, parseBulkActions, targetOf, type BulkItem, type BulkRewrite, type EnrichService } from "../../indexing";
import { accessOf, productsIndexMatcher, scopeAllows } from "../access";
import { type BodyPolicy } from "../opensearch-proxy";
import { endToEndHeaders, openUpstream, readRequestBody, relayResponse, reservationFor, sendUpstream, type ProxyOptions, type Reservation } from "../proxy";

export interface EnrichedWritesDependencies {
  enrich: EnrichService;
  proxy: ProxyOptions;
  /** Size limit and in-flight budget for the bodies read here. */
  body: BodyPolicy;
  productsAlias: string;
  timeoutMs: number;
}

type WriteRoute = { kind: "bulk"; pathIndex: string | undefined } | { kind: "document"; index: string; id: string | undefined; endpoint: "_doc" | "_create" | "_update" };

/** Request headers that describe the caller's body or wishes for the answer's form; enriched paths set their own. */
const REPLACED_HEADERS = ["host", "content-length", "content-encoding", "content-type", "accept", "accept-encoding", "expect"];
/** Query parameters that would change the shape of the bulk answer the sidecar has to read. */
const ANSWER_SHAPING = new Set(["filter_path", "format", "pretty", "human"]);
/** Single-document parameters that become bulk metadata. */
const META_PARAMS = ["routing", "version", "version_type", "if_seq_no", "if_primary_term", "pipeline", "require_alias"] as const;
const NUMERIC_META = new Set(["version", "if_seq_no", "if_primary_term"]);

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (err) {
    throw new ValidationError("the request path has a malformed % escape", { cause: err });
  }
}

/** Which document write, if any, a request is — decided on the decoded path, as OpenSearch will read it. */
function classify(method: string, path: string): WriteRoute | undefined {
  if (method !== "POST" && method !== "PUT") return undefined;
  const segments = path.split("/").filter((s) => s !== "").map(decodeSegment);
  const [first, second, third] = segments;
  if (segments.length === 1 && first === "_bulk") return { kind: "bulk", pathIndex: undefined };
  if (segments.length === 2 && second === "_bulk") return { kind: "bulk", pathIndex: first };
  if (segments.length === 2 && second === "_doc" && first !== undefined && method === "POST") return { kind: "document", index: first, id: undefined, endpoint: "_doc" };
  if (segments.length === 3 && first !== undefined && (second === "_doc" || second === "_create")) return { kind: "document", index: first, id: third, endpoint: second };
  if (segments.length === 3 && first !== undefined && second === "_update" && method === "POST") return { kind: "document", index: first, id: third, endpoint: "_update" };
  return undefined;
}

/** Enriched bodies are read as JSON text: other content types (CBOR, Smile, YAML) and charsets are refused. */
function requireJsonText(req: Request): void {
  const value = req.headers["content-type"];
  if (value === undefined) return;
  const [type = "", ...params] = value.split(";");
  const mediaType = type.trim().toLowerCase();
  if (mediaType !== "application/json" && mediaType !== "application/x-ndjson") {
    throw new UnsupportedMediaTypeError(`writes into products must be application/json or application/x-ndjson, got ${mediaType.slice(0, 80)}`);
  }
  for (const param of params) {
    const [name = "", charset = ""] = param.split("=");
    const normalized = charset.trim().toLowerCase().replaceAll('"', "");
    if (name.trim().toLowerCase() === "charset" && normalized !== "utf-8" && normalized !== "utf8") {
      throw new UnsupportedMediaTypeError(`unsupported charset "${normalized.slice(0, 40)}": send UTF-8`);
    }
  }
}

/**
 * Every write into a products index (the alias, its `<alias>-NNNNNN` indexes, date math naming
 * them) that arrives through the OpenSearch API — `_bulk` (POST/PUT, with or without an index in
 * the path), `_doc`, `_create`, `_update` — is cleaned and embedded on the way, or refused; so
 * indexing jobs keep their OpenSearch client. Other requests go on to the plain proxy.
 */
export function enrichedWriteRoutes(deps: EnrichedWritesDependencies): RequestHandler {
  const isProducts = productsIndexMatcher(deps.productsAlias);
  // Date math (`<products-{now/d}>`) naming the alias counts too: it may resolve to a products index.
  const isEnriched = (index: string) => isProducts(index) || (index.startsWith("<") && index.includes(deps.productsAlias));

  const readBody = async (req: Request, res: Response): Promise<{ body: Buffer; reservation: Reservation }> => {
    const reservation = reservationFor(res, deps.body.budget);
    const body = await readRequestBody(req, { limit: deps.body.limit, reservation });
    accessOf(res).checkBody?.(body);
    return { body, reservation };
  };

  /**
   * Sends what the sidecar did not answer itself as one bulk and reads OpenSearch's answer (asked for
   * uncompressed JSON). An answer other than 200 is relayed as it is, and undefined is returned.
   */
  const sendBulk = async (
    req: Request,
    res: Response,
    pathIndex: string | undefined,
    query: URLSearchParams,
    rewrite: BulkRewrite,
  ): Promise<{ took?: number; items?: BulkItem[] } | undefined> => {
    if (rewrite.pieces.length === 0) return {};
    const forwardQuery = new URLSearchParams([...query].filter(([name]) => !ANSWER_SHAPING.has(name)));
    const search = forwardQuery.size > 0 ? `?${forwardQuery.toString()}` : "";
    const headers = { ...endToEndHeaders(req.headers, REPLACED_HEADERS), "content-type": "application/x-ndjson", accept: "application/json", "accept-encoding": "identity" };
    const path = `${pathIndex === undefined ? "" : `/${encodeURIComponent(pathIndex)}`}/_bulk${search}`;
    const upstream = await sendUpstream(deps.proxy, { method: "POST", path, headers, body: rewrite.pieces });
    if (upstream.status !== 200) {
      relayBuffered(res, upstream);
      return undefined;
    }
    return readBulkAnswer(upstream.body);
  };

  const bulk = async (req: Request, res: Response, pathIndex: string | undefined) => {
    requireJsonText(req);
    const { body, reservation } = await readBody(req, res);
    const admin = scopeAllows(accessOf(res).scope, "admin");
    const query = new URL(req.originalUrl, "http://sidecar").searchParams;
    // An admin's bulk that cannot name a products index is passed along without parsing. Index names
    // reach OpenSearch as path segments or JSON strings: literally, or through \u escapes.
    if (admin && !(pathIndex !== undefined && isEnriched(pathIndex)) && !body.includes(deps.productsAlias) && !body.includes("\\u")) {
      const headers = endToEndHeaders(req.headers, ["host", "content-length", "content-encoding", "expect"]);
      relayResponse(await openUpstream(deps.proxy, { method: req.method, path: req.originalUrl, headers, body }), res);
      return;
    }
    if (!admin && query.has("pipeline")) throw new ForbiddenError("an ingest `pipeline` on writes into products needs the admin scope");
    // Parsed metadata, one chunk of parsed documents and the upstream answer: charged as the body's size
    // again, so that an enriched bulk holds about three times its size (with the rewritten body) in the budget.
    reservation.grow(body.length);
    const entries = parseBulkActions(body);
    for (const entry of entries) {
      const target = targetOf(entry, pathIndex);
      const enriched = target !== undefined && isEnriched(target);
      if (!enriched && !admin) {
        throw new ForbiddenError(`bulk line ${entry.line}: ${entry.action} into ${target === undefined ? "no index" : JSON.stringify(target)} needs the admin scope (only products writes are open to the write scope)`);
      }
      if (enriched && !admin && entry.meta.pipeline !== undefined) {
        throw new ForbiddenError(`bulk line ${entry.line}: an ingest \`pipeline\` on writes into products needs the admin scope`);
      }
    }
    const started = performance.now();
    const rewrite = await enrichBulk(body, entries, deps.enrich, { pathIndex, isEnriched, timeoutMs: deps.timeoutMs });
    reservation.grow(rewrite.allocated);
    const answer = await sendBulk(req, res, pathIndex, query, rewrite);
    if (!answer) return;
    const took = answer.took ?? 0;
    const items = rewrite.merge(answer.items ?? []);
    const errors = items.some((item) => Object.values(item).some((result) => result !== undefined && "error" in result));
    res.json({ took: took || Math.round(performance.now() - started), errors, items });
  };

  const document = async (req: Request, res: Response, route: Extract<WriteRoute, { kind: "document" }>) => {
    requireJsonText(req);
    const { body } = await readBody(req, res);
    let source: unknown;
    try {
      source = JSON.parse(body.toString("utf8"));
    } catch (err) {
      throw new InvalidJsonError("request body is not valid JSON", { cause: err });
    }
    if (!isRecord(source)) throw new ValidationError("a product document must be a JSON object");
    const query = new URL(req.originalUrl, "http://sidecar").searchParams;
    const admin = scopeAllows(accessOf(res).scope, "admin");
    if (!admin && query.has("pipeline")) throw new ForbiddenError("an ingest `pipeline` on writes into products needs the admin scope");

    const meta: Record<string, unknown> = { _index: route.index, ...(route.id === undefined ? {} : { _id: route.id }) };
    for (const name of META_PARAMS) {
      const value = query.get(name);
      if (value === null) continue;
      query.delete(name);
      if (NUMERIC_META.has(name)) {
        const number = Number(value);
        if (!Number.isSafeInteger(number)) throw new ValidationError(`${name} must be an integer`);
        meta[name] = number;
      } else {
        meta[name] = name === "require_alias" ? value === "true" || value === "" : value;
      }
    }
    const opType = query.get("op_type");
    query.delete("op_type");
    query.delete("retry_on_conflict");
    const action = route.endpoint === "_update" ? "update" : route.endpoint === "_create" || opType === "create" ? "create" : "index";
    const single = Buffer.from(`${JSON.stringify({ [action]: meta })}\n${JSON.stringify(source)}\n`);
    const entries = parseBulkActions(single);
    const rewrite = await enrichBulk(single, entries, deps.enrich, { pathIndex: undefined, isEnriched, timeoutMs: deps.timeoutMs });
    const answer = await sendBulk(req, res, undefined, query, rewrite);
    if (!answer) return;
    const result = Object.values(rewrite.merge(answer.items ?? [])[0] ?? {})[0] ?? {};
    const error = result.error as { type?: unknown; reason?: unknown } | undefined;
    const status = typeof result.status === "number" ? result.status : 502;
    if (error?.type === "sidecar_validation_exception") throw new ValidationError(`document rejected: ${String(error.reason)}`);
    if (error !== undefined) {
      res.status(status).json({ error, status });
      return;
    }
    res.status(status).json(Object.fromEntries(Object.entries(result).filter(([key]) => key !== "status")));
  };

  return async (req: Request, res: Response, next: NextFunction) => {
    const route = classify(req.method, req.path);
    if (route?.kind === "bulk") await bulk(req, res, route.pathIndex);
    else if (route?.kind === "document" && isEnriched(route.index)) await document(req, res, route);
    else next();
  };
}

/** OpenSearch's bulk answer; one that cannot be read is a 502 that says the writes may have happened. */
function readBulkAnswer(body: Buffer): { took?: number; items?: BulkItem[] } {
  try {
    return JSON.parse(body.toString("utf8")) as { took?: number; items?: BulkItem[] };
  } catch (err) {
    throw new OpenSearchRejectedError("OpenSearch's bulk answer could not be read; its operations may have been applied, check before retrying", 200, undefined, { cause: err });
  }
}

function relayBuffered(res: Response, upstream: { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }): void {
  res.status(upstream.status);
  const type = upstream.headers["content-type"];
  if (typeof type === "string") res.setHeader("content-type", type);
  res.end(upstream.body);
}
