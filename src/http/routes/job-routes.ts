import { Router } from "express";
import { z } from "zod";
import { NotFoundError, ValidationError } from "../../errors";
import { ReindexRunningError, type JobQueue } from "../../jobs";
import { validate } from "../validate";

const EnqueueRequest = z
  .object({
    type: z.literal("reindex"),
    /** The embedding model version the new index is built with. @defaultValue the promoted version */
    model_version: z.string().min(1).max(200).optional(),
  })
  .strict();

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
}

/**
 * `/v1/jobs` (admin, by the access policy): enqueue a reindex (202 with the job id; 409 REINDEX_RUNNING
 * naming the job already queued or running for the alias), list recent jobs (or the dead letters), one job.
 */
export function jobRoutes(deps: JobRouteDependencies): Router {
  const router = Router();
  router.post("/v1/jobs", async (req, res) => {
    const body = validate(EnqueueRequest, req.body);
    const version = body.model_version ?? deps.promotedVersion();
    if (!version) throw new ValidationError("model_version is required: no embedding model is promoted");
    const enqueued = await deps.queue().enqueueReindex(deps.productsAlias, version);
    if (!enqueued.created) {
      throw new ReindexRunningError(`a reindex of ${deps.productsAlias} is already queued or running: job ${enqueued.id}`, { details: { job_id: enqueued.id } });
    }
    res.status(202).json({ id: enqueued.id, type: body.type, alias: deps.productsAlias, model_version: version });
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
