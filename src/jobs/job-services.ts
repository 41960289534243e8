import { type Redis } from "ioredis";
import { type Embedder } from "../model";
import { type OpenSearchGateway } from "../opensearch";
import { type JobQueue } from "./job-queue";

/** What every processor may use; built once by the worker. */
export interface JobServices {
  readonly gateway: OpenSearchGateway;
  /** The queue's own Redis connection (locks, swap announcements, profiles). */
  readonly redis: Redis;
  /** The queue itself, for follow-up jobs (a reindex enqueues `rebuild-profiles`). */
  readonly queue: JobQueue;
  /** An embedding model version from MODELS_DIR, loaded once per worker; a model that cannot load rejects with an `UnrecoverableError`. */
  embedder(version: string): Promise<Embedder>;
  /** Documents (or users) per batch, one checkpoint each. */
  readonly batchSize: number;
  /** Deadline of one OpenSearch call of a job. */
  readonly timeoutMs: number;
  /** Wait after a reindex's alias swap before the final catch-up. */
  readonly swapGraceMs: number | undefined;
}
