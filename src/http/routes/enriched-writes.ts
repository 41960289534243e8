import express, { Router, type Request, type Response } from "express";
import { ValidationError } from "../../errors";
import { enrichBulk, isRecord, parseBulkBody, withDocumentId, type BulkItem, type EnrichService } from "../../indexing";
import { sendUpstream, type ProxyOptions } from "../opensearch-proxy";

export interface EnrichedWritesDependencies {
  enrich: EnrichService;
  proxy: ProxyOptions;
  productsAlias: string;
  /** Largest bulk body accepted. */
  bodyLimit: string;
  timeoutMs: number;
}

/**
 * Document writes to enriched indexes that arrive through the OpenSearch API (`_bulk`, `_doc`,
 * `_create`) are cleaned and embedded on the way, so indexing jobs keep their OpenSearch client.
 * Writes to any other index are forwarded unchanged.
 */
export function enrichedWriteRoutes(deps: EnrichedWritesDependencies): Router {
  const router = Router();
  const versioned = new RegExp(`^${deps.productsAlias.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-\\d{6}$`);
  const isEnriched = (index: string) => index === deps.productsAlias || versioned.test(index);
  const rawBody = express.raw({ type: () => true, limit: deps.bodyLimit });

  const forward = async (req: Request, res: Response, body: Buffer, path = req.originalUrl) => {
    const upstream = await sendUpstream(deps.proxy, { method: req.method, path, headers: req.headers, body });
    return { upstream, send: () => relay(res, upstream) };
  };


  router.post(["/_bulk", "/:index/_bulk"], rawBody, async (req, res) => {
    const body = bodyOf(req);
    const pathIndex = paramOf(req, "index");
    const operations = parseBulkBody(body.toString("utf8"));
    if (!operations) {
      (await forward(req, res, body)).send();
      return;
    }
    const rewrite = await enrichBulk(operations, deps.enrich, { pathIndex, isEnriched, timeoutMs: deps.timeoutMs });
    const started = performance.now();
    let upstreamItems: BulkItem[] = [];
    let took = 0;
    if (rewrite.forward !== "") {
      const { upstream, send } = await forward(req, res, Buffer.from(rewrite.forward));
      if (upstream.status !== 200) {
        send();
        return;
      }
      const parsed = JSON.parse(upstream.body.toString("utf8")) as { took?: number; items?: BulkItem[] };
      upstreamItems = parsed.items ?? [];
      took = parsed.took ?? 0;
    }
    const items = rewrite.merge(upstreamItems);
    const errors = items.some((item) => Object.values(item).some((result) => result && "error" in result));
    res.json({ took: took || Math.round(performance.now() - started), errors, items });
  });

  router.all(["/:index/_doc/:id", "/:index/_create/:id", "/:index/_doc"], rawBody, async (req, res) => {
    const index = paramOf(req, "index") ?? "";
    const body = bodyOf(req);
    if (!isEnriched(index) || (req.method !== "PUT" && req.method !== "POST")) {
      (await forward(req, res, body)).send();
      return;
    }
    let source: unknown;
    try {
      source = JSON.parse(body.toString("utf8"));
    } catch {
      source = undefined;
    }
    if (!isRecord(source)) {
      (await forward(req, res, body)).send();
      return;
    }
    const record = withDocumentId(source, paramOf(req, "id"));
    const batch = await deps.enrich.prepare([record], { index, skipUnchanged: true, timeoutMs: deps.timeoutMs });
    const item = batch.items[0];
    if (!item || item.status === "failed") {
      throw new ValidationError(`document rejected: ${item?.error?.message ?? "invalid document"}`);
    }
    if (item.status === "unchanged" || !item.document) {
      res.json({ _index: index, _id: record.id, result: "noop" });
      return;
    }
    const endpoint = req.path.includes("/_create/") ? "_create" : "_doc";
    const query = req.originalUrl.includes("?") ? req.originalUrl.slice(req.originalUrl.indexOf("?")) : "";
    const path = `/${encodeURIComponent(index)}/${endpoint}/${encodeURIComponent(record.id)}${query}`;
    (await forward(req, res, Buffer.from(JSON.stringify(item.document)), path)).send();
  });

  return router;
}

function paramOf(req: Request, name: string): string | undefined {
  const value: unknown = req.params[name];
  return typeof value === "string" ? value : undefined;
}

function bodyOf(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

function relay(res: Response, upstream: { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }): void {
  res.status(upstream.status);
  const type = upstream.headers["content-type"];
  if (typeof type === "string") res.setHeader("content-type", type);
  res.end(upstream.body);
}
