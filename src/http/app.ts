import express, { type Express } from "express";
import { type Redis } from "ioredis";
import { pinoHttp } from "pino-http";
import { type Logger } from "pino";
import { type SidecarConfig } from "../config";
import { NotFoundError } from "../errors";
import { type EventsComponents } from "../events";
import { type EnrichService } from "../indexing";
import { readClusterCa, type OpenSearchGateway } from "../opensearch";
import { type BehaviourReader } from "../profiles";
import { type ModelStatusProvider } from "../runtime";
import { type SearchService } from "../search";
import { type CandidateLists } from "../search/rerank";
import { accessControl } from "./access";
import { errorHandler } from "./error-handler";
import { type EventLoopGuard } from "./event-loop-guard";
import { jsonBody } from "./json-body";
import { type SidecarMetrics } from "./metrics";
import { inflightGuard } from "./inflight-guard";
import { openSearchProxy } from "./opensearch-proxy";
import { InflightBudget, parseByteSize } from "./proxy";
import { redactingSerializers } from "./redact-url";
import { enrichRoutes } from "./routes/enrich-routes";
import { enrichedWriteRoutes } from "./routes/enriched-writes";
import { eventRoutes } from "./routes/event-routes";
import { healthRoutes } from "./routes/health-routes";
import { profileRoutes } from "./routes/profile-routes";
import { searchRoutes } from "./routes/search-routes";
import { candidatesRoutes } from "./routes/candidates-routes";
import { jobRoutes, type JobRouteDependencies } from "./routes/job-routes";

export interface AppDependencies {
  config: SidecarConfig;
  logger: Logger;
  gateway: OpenSearchGateway;
  redis: Redis;
  search: SearchService;
  enrich: EnrichService;
  metrics: SidecarMetrics;
  modelStatus: ModelStatusProvider;
  /** Worker threads index-time product batches are embedded on, for `/readyz`. @defaultValue 0 */
  embeddingThreads?: number;
  /** `/v1/events` and profile erasure; left out when the sidecar has no PSEUDONYM_KEY (those routes then do not exist). */
  events?: EventsComponents;
  /** Profiles for `GET /v1/profiles/:user_id`; served only with `events` (it needs their pseudonymizer). */
  profiles?: BehaviourReader;
  /** `POST /v1/candidates` (admin): training lists computed by the re-rank stage's own code. @defaultValue none (the route does not exist) */
  candidates?: CandidateLists;
  /** `/v1/jobs` (admin): the rebuild queue. @defaultValue none (the routes do not exist) */
  jobs?: JobRouteDependencies;
  /** Load shedding by event-loop delay (429 OVERLOADED while the loop lags). @defaultValue none: no shedding */
  eventLoop?: EventLoopGuard;
}

/** The sidecar's HTTP surface: its own `/v1` API and probes, and OpenSearch's API passed through. */
export function createApp(deps: AppDependencies): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  // Raw user ids travel in `/v1/profiles/<user_id>` URLs: every log line of the app goes through the redaction.
  const logger = deps.logger.child({}, { serializers: { url: redactingSerializers.url } });
  app.use(
    pinoHttp({
      logger,
      serializers: { req: redactingSerializers.req },
      autoLogging: { ignore: (req) => req.url === "/healthz" || req.url === "/metrics" },
    }),
  );
  app.use(deps.metrics.middleware());
  // Before any work, even the access check: a refusal while the loop lags must cost next to nothing.
  if (deps.eventLoop) app.use(deps.eventLoop.middleware());
  // Before every route and the proxy: nothing below runs for a request the caller's scope does not allow.
  app.use(
    accessControl({
      apiKeys: deps.config.apiKeys,
      anonymousScope: deps.config.anonymousScope,
      productsAlias: deps.config.productsAlias,
      serviceAuth: deps.config.opensearchUsername ? { username: deps.config.opensearchUsername, password: deps.config.opensearchPassword ?? "" } : undefined,
    }),
  );

  app.use(healthRoutes({ gateway: deps.gateway, redis: deps.redis, metrics: deps.metrics, modelStatus: deps.modelStatus, embeddingThreads: deps.embeddingThreads ?? 0, probeTimeoutMs: 1000 }));
  // One budget of request bytes held at once, shared by the /v1 API and the proxy.
  const budget = new InflightBudget(parseByteSize(deps.config.maxInflightBytes));
  app.use("/v1", inflightGuard(budget, deps.config.bodyLimit));
  app.use("/v1", jsonBody(deps.config.bodyLimit));
  app.use(searchRoutes(deps.search));
  if (deps.candidates) app.use(candidatesRoutes(deps.candidates));
  if (deps.jobs) app.use(jobRoutes(deps.jobs));
  app.use(
    enrichRoutes({
      enrich: deps.enrich,
      metrics: deps.metrics,
      productsAlias: deps.config.productsAlias,
      timeoutMs: deps.config.opensearchTimeoutMs,
      ...(deps.jobs ? { queue: deps.jobs.queue } : {}),
    }),
  );
  if (deps.events) app.use(eventRoutes({ ingest: deps.events.ingest, erasure: deps.events.erasure }));
  if (deps.events && deps.profiles) app.use(profileRoutes({ profiles: deps.profiles, pseudonymizer: deps.events.pseudonymizer }));
  app.use("/v1", (req, _res, next) => next(new NotFoundError(`no route ${req.method} ${req.originalUrl}`)));
  const proxy = {
    target: new URL(deps.config.opensearchUrl),
    timeoutMs: deps.config.proxyTimeoutMs,
    logger,
    ca: readClusterCa(deps.config.opensearchCaFile),
  };
  const proxyBody = { limit: parseByteSize(deps.config.bulkBodyLimit), budget };
  app.use(
    enrichedWriteRoutes({
      enrich: deps.enrich,
      proxy,
      productsAlias: deps.config.productsAlias,
      body: proxyBody,
      timeoutMs: deps.config.opensearchTimeoutMs,
    }),
  );
  app.use(openSearchProxy(proxy, proxyBody));
  app.use(errorHandler(logger));
  return app;
}
