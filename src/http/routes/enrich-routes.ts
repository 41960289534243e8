import { Router } from "express";
import { z } from "zod";
import { ForbiddenError } from "../../errors";
import { type EnrichService } from "../../indexing";
import { accessOf, productsIndexMatcher, scopeAllows } from "../access";
import { type SidecarMetrics } from "../metrics";
import { validate } from "../validate";

const EnrichRequestSchema = z.strictObject({
  documents: z.array(z.record(z.string(), z.unknown())).min(1).max(5000),
  /** Index or alias to write to. @defaultValue the products alias */
  index: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/).optional(),
  /** @defaultValue true */
  write: z.boolean().default(true),
  /** Wait until the written documents are searchable. @defaultValue false */
  refresh: z.boolean().default(false),
});

export interface EnrichRouteDependencies {
  enrich: EnrichService;
  metrics: SidecarMetrics;
  productsAlias: string;
  timeoutMs: number;
}

/** `POST /v1/enrich`: clean, validate and embed documents; write them or return them. */
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
