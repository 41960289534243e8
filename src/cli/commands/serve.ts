import { Command } from "commander";
import { loadConfig } from "../../config";
import { createSidecar } from "../../http";
import { positiveInt } from "../output";

/** `relevance serve`: the sidecar HTTP server, in the foreground, until SIGINT/SIGTERM. */
export function serveCommand(): Command {
  return new Command("serve")
    .description("run the sidecar HTTP server (foreground)")
    .option("--port <n>", "port to listen on (env PORT, default 8080)", positiveInt("--port"))
    .option("--host <host>", "address to bind (env HOST, default 127.0.0.1)")
    .action(async (flags: { port?: number; host?: string }) => {
      const config = loadConfig({ ...(flags.port ? { port: flags.port } : {}), ...(flags.host ? { host: flags.host } : {}) });
      const sidecar = createSidecar(config);
      const port = await sidecar.listen();
      sidecar.logger.info({ port, opensearch: config.opensearchUrl }, `sidecar listening on http://${config.host}:${port}`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      sidecar.logger.info("shutting down");
      await sidecar.close();
    });
}
