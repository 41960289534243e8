import { Router } from "express";
import { z } from "zod";
import { ForbiddenError, ValidationError } from "../../errors";
import { cleanProduct, productSource, type EnrichItemResult, type EnrichService, type RawRecord } from "../../indexing";
import { MAX_CARRIED_DOCUMENTS, type JobQueue } from "../../jobs";
import { accessOf, productsIndexMatcher, scopeAllows } from "../access";
import { type SidecarMetrics } from "../metrics";
import { validate } from "../validate";

const EnrichRequestSchema = z.strictObject({
  documents: z.array(z.record(z.string(), z.unknown())).min(1).max(MAX_CARRIED_DOCUMENTS),
  /** Index or alias to write to. @defaultValue the products alias */
  index: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/).optional(),
  /** @defaultValue true */
  write: z.boolean().default(true),
  /** Wait until the written documents are searchable. @defaultValue false */
  refresh: z.boolean().default(false),
  /** Clean and validate now, embed and write later in an `embed-documents` job (202 with its id). @defaultValue false */
  async: z.boolean().default(false),
});

export interface EnrichRouteDependencies {
  enrich: EnrichService;
  metrics: SidecarMetrics;
  productsAlias: string;
  timeoutMs: number;
  /** The rebuild queue, for `"async": true`. @defaultValue none: async requests are refused (400) */
  queue?: () => JobQueue;
}

/** `POST /v1/enrich`: clean, validate and embed documents; write them or return them, or queue them (`async`). */
export function enrichRoutes(deps: EnrichRouteDependencies): Router {
  const router = Router();
  const isProducts = productsIndexMatcher(deps.productsAlias);
  router.post("/v1/enrich", async (req, res) => {
    const body = validate(EnrichRequestSchema, req.body);
    const index = body.index ?? deps.productsAlias;
    // `write` reaches products only; enriching into any other index is administration.
    if (body.write && !isProducts(index) && !scopeAllows(accessOf(res).scope, "admin")) {
      throw new ForbiddenError(`writing to "${index}" needs the "admin" scope; "write" reaches the products alias and its versioned indexes only`);
    }
    if (body.async) {
      if (!body.write) throw new ValidationError('"async": true writes the documents later; it cannot be combined with "write": false');
      if (body.refresh) throw new ValidationError('"async": true answers before the documents are written; it cannot be combined with "refresh": true');
      if (!deps.queue) throw new ValidationError('"async": true needs the rebuild queue, which this sidecar does not have');
      const queued = cleanForQueue(body.documents);
      const job = queued.documents.length > 0 ? await deps.queue().enqueue({ type: "embed-documents", alias: index, selection: { documents: queued.documents } }) : null;
      if (queued.failed.length > 0) deps.metrics.enrichedDocuments.inc({ status: "failed" }, queued.failed.length);
      res.status(202).json({ job_id: job?.id ?? null, index, counts: { queued: queued.documents.length, failed: queued.failed.length }, items: queued.failed });
      return;
    }
    const outcome = await deps.enrich.enrich(body.documents, {
      write: body.write,
      index,
      refresh: body.refresh,
      timeoutMs: deps.timeoutMs,
    });
    for (const [status, count] of Object.entries(outcome.counts)) {
      if (count > 0) deps.metrics.enrichedDocuments.inc({ status }, count);
    }
    // 207-style partial success stays 200: per-document failures are in the body, never dropped.
    res.json(outcome);
  });
  return router;
}

/** Cleans every document now (the same rules as a synchronous enrich): the valid ones go into the job, cleaned; the others are answered. */
function cleanForQueue(records: readonly RawRecord[]): { documents: RawRecord[]; failed: EnrichItemResult[] } {
  const documents: RawRecord[] = [];
  const failed: EnrichItemResult[] = [];
  records.forEach((record, position) => {
    const cleaned = cleanProduct(record);
    if (cleaned.ok) documents.push(productSource(cleaned.product));
    else failed.push({ position, id: cleaned.id ?? null, status: "failed", error: { code: "INVALID_DOCUMENT", message: cleaned.problems.join("; ") } });
  });
  return { documents, failed };
}
