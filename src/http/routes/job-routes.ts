import { Router } from "express";
import { z } from "zod";
import { NotFoundError, ValidationError } from "../../errors";
import { MAX_SELECTED_IDS, ReindexRunningError, type DocumentSelection, type JobQueue, type ProfileRebuildTarget } from "../../jobs";
import { validate } from "../validate";

/** Largest `query` of an `embed-documents` job, as JSON: it is stored in the job (Redis). */
const MAX_QUERY_CHARS = 16_384;

const ModelVersion = z.string().min(1).max(200);

const EnqueueRequest = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("reindex"),
    /** The embedding model version the new index is built with. @defaultValue the promoted version */
    model_version: ModelVersion.optional(),
  }),
  z
    .strictObject({
      type: z.literal("embed-documents"),
      /** Stored documents by id. */
      ids: z.array(z.string().min(1).max(512)).min(1).max(MAX_SELECTED_IDS).optional(),
      /** Stored documents matching this OpenSearch query (a filter). */
      query: z
        .record(z.string(), z.unknown())
        .refine((query) => Object.keys(query).length > 0, "query must not be empty")
        .refine((query) => JSON.stringify(query).length <= MAX_QUERY_CHARS, `query must be at most ${MAX_QUERY_CHARS} characters of JSON`)
        .optional(),
      /** Stored documents not on the live version (written without a model, or by another one). */
      stale: z.literal(true).optional(),
      /** Re-embed documents already stored with the same content hash and version. @defaultValue false */
      force: z.boolean().default(false),
    })
    .refine((body) => [body.ids, body.query, body.stale].filter((x) => x !== undefined).length === 1, "give exactly one of ids, query and stale"),
  z.strictObject({
    type: z.literal("rebuild-profiles"),
    /** The version the interest vectors are rebuilt with. @defaultValue the version the products alias serves */
    model_version: ModelVersion.optional(),
  }),
]);

const ListQuery = z.object({
  /** `failed`: only the dead letters (attempts spent), with their failure reasons. @defaultValue all states */
  state: z.enum(["failed"]).optional(),
  /** Newest first, at most this many. @defaultValue 50 */
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});

const JobIdParam = z.string().min(1).max(200);

export interface JobRouteDependencies {
  /** The rebuild queue (JOBS_QUEUE); asked for on first use, so a sidecar that never sees `/v1/jobs` opens no queue connection. */
  queue: () => JobQueue;
  /** The products alias a reindex rebuilds. */
  productsAlias: string;
  /** The promoted embedding version: what `POST /v1/jobs` reindexes to without `model_version`; null when none is promoted. */
  promotedVersion: () => string | null;
  /** The version the products alias's live index serves: what `rebuild-profiles` uses without `model_version`. */
  liveVersion: () => string | null;
  /** The profiles a reindex rebuilds after its swap, and `rebuild-profiles` rebuilds. */
  profiles: ProfileRebuildTarget;
}

/**
 * `/v1/jobs` (admin, by the access policy): enqueue a job (202 with its id; a reindex already queued or
 * running for the alias is 409 REINDEX_RUNNING naming it), list recent jobs (or the dead letters), one job.
 */
export function jobRoutes(deps: JobRouteDependencies): Router {
  const router = Router();
  router.post("/v1/jobs", async (req, res) => {
    const body = validate(EnqueueRequest, req.body);
    const queue = deps.queue();
    switch (body.type) {
      case "reindex": {
        const version = body.model_version ?? deps.promotedVersion();
        if (!version) throw new ValidationError("model_version is required: no embedding model is promoted");
        const enqueued = await queue.enqueueReindex(deps.productsAlias, version, deps.profiles);
        if (!enqueued.created) {
          throw new ReindexRunningError(`a reindex of ${deps.productsAlias} is already queued or running: job ${enqueued.id}`, { details: { job_id: enqueued.id } });
        }
        res.status(202).json({ id: enqueued.id, type: body.type, alias: deps.productsAlias, model_version: version });
        return;
      }
      case "embed-documents": {
        const selection: DocumentSelection = body.ids ? { ids: body.ids } : body.query ? { query: body.query } : { stale: true };
        const enqueued = await queue.enqueue({ type: "embed-documents", alias: deps.productsAlias, selection, ...(body.force ? { force: true } : {}) });
        // The version is the live index's when the job runs.
        res.status(202).json({ id: enqueued.id, type: body.type, alias: deps.productsAlias, model_version: null });
        return;
      }
      case "rebuild-profiles": {
        const version = body.model_version ?? deps.liveVersion();
        if (!version) throw new ValidationError("model_version is required: the products alias serves no known embedding version");
        const enqueued = await queue.enqueue({ type: "rebuild-profiles", modelVersion: version, ...deps.profiles });
        res.status(202).json({ id: enqueued.id, type: body.type, alias: deps.productsAlias, model_version: version, created: enqueued.created });
        return;
      }
    }
  });
  router.get("/v1/jobs", async (req, res) => {
    const query = validate(ListQuery, req.query);
    const jobs = query.state === "failed" ? await deps.queue().failed(query.limit) : await deps.queue().list(query.limit);
    res.json({ jobs });
  });
  router.get("/v1/jobs/:id", async (req, res) => {
    const id = validate(JobIdParam, req.params.id);
    const job = await deps.queue().get(id);
    if (!job) throw new NotFoundError(`no job ${id}`);
    res.json(job);
  });
  return router;
}
