import { Router } from "express";
import { type Redis } from "ioredis";
import { type OpenSearchGateway } from "../../opensearch";
import { pingRedis } from "../../redis";
import { type ModelStatusProvider } from "../../runtime";
import { type SidecarMetrics } from "../metrics";

export interface HealthRouteDependencies {
  gateway: OpenSearchGateway;
  redis: Redis;
  metrics: SidecarMetrics;
  modelStatus: ModelStatusProvider;
  /** Worker threads index-time product batches are embedded on (0: the event loop). */
  embeddingThreads: number;
  /** Deadline of each readiness probe. */
  probeTimeoutMs: number;
}

interface CheckResult {
  ok: boolean;
  detail: string;
  ms: number;
}

async function timed(check: () => Promise<string>): Promise<CheckResult> {
  const started = performance.now();
  try {
    const detail = await check();
    return { ok: true, detail, ms: Math.round(performance.now() - started) };
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err), ms: Math.round(performance.now() - started) };
  }
}

/** `/healthz` (the process is up), `/readyz` (its dependencies answer) and `/metrics`. */
export function healthRoutes(deps: HealthRouteDependencies): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    const [opensearch, redis] = await Promise.all([
      timed(async () => {
        const health = await deps.gateway.clusterHealth({ timeoutMs: deps.probeTimeoutMs });
        if (health.status === "red") throw new Error("cluster health is red");
        return `cluster ${health.cluster_name} is ${health.status}`;
      }),
      timed(async () => {
        await pingRedis(deps.redis);
        return "PONG";
      }),
    ]);
    const models = deps.modelStatus();
    const ready = opensearch.ok && redis.ok;
    res.status(ready ? 200 : 503).json({
      status: ready ? "ready" : "not_ready",
      checks: { opensearch, redis },
      models: models.models,
      backend: models.backend,
      embedding_threads: deps.embeddingThreads,
      ...(models.problems.length > 0 ? { model_problems: models.problems } : {}),
    });
  });
  router.get("/metrics", async (_req, res) => {
    res.setHeader("content-type", deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });
  return router;
}
