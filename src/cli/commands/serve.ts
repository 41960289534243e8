import { Command } from "commander";
import { createLogger, loadConfig, redactUrlCredentials } from "../../config";
import { Pseudonymizer, startRetentionSweep } from "../../events";
import { createSidecar } from "../../http";
import { loadActiveModels, modelLoadingFromConfig, reloadModelsOnSignal } from "../../runtime";
import { positiveInt } from "../output";

/** `relevance serve`: the sidecar HTTP server, in the foreground, until SIGINT/SIGTERM; SIGHUP reloads the promoted models. */
export function serveCommand(): Command {
  return new Command("serve")
    .description("run the sidecar HTTP server (foreground); SIGHUP reloads the promoted models")
    .option("--port <n>", "port to listen on (env PORT, default 8080)", positiveInt("--port"))
    .option("--host <host>", "address to bind (env HOST, default 127.0.0.1)")
    .action(async (flags: { port?: number; host?: string }) => {
      const config = loadConfig({ ...(flags.port ? { port: flags.port } : {}), ...(flags.host ? { host: flags.host } : {}) });
      // Refuse to start before anything else: without the key no event could be stored privately.
      Pseudonymizer.fromConfig(config);
      const logger = createLogger(config);
      const threads = modelLoadingFromConfig(config);
      const { loading, embeddingThreads } = threads;
      logger.info({ embeddingThreads }, `embedding product batches on ${embeddingThreads === 0 ? "the event loop" : `${embeddingThreads} worker thread(s)`}`);
      const models = await loadActiveModels(config, logger, loading);
      const sidecar = createSidecar(config, { logger, models, loading });
      const port = await sidecar.listen();
      logger.info({ port, opensearch: redactUrlCredentials(config.opensearchUrl) }, `sidecar listening on http://${config.host}:${port}`);
      const retention = sidecar.events
        ? startRetentionSweep({ store: sidecar.events.store, retentionDays: sidecar.events.retentionDays, logger })
        : undefined;
      const stopReloading = reloadModelsOnSignal(models, config, logger, { loading });
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      stopReloading();
      logger.info("shutting down");
      retention?.stop();
      await sidecar.close();
      await threads.close();
    });
}
