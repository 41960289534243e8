import { createReadStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import { Command } from "commander";
import { envDefault, readConnectionSettings } from "../../config";
import { loadCatalog } from "../../indexing";
import { catalogReadOptions, withCatalogOptions, type CatalogFlags } from "../catalog-options";
import { note, positiveInt, printSummary, progressBar } from "../output";
import { cliSidecarClient } from "../sidecar-client";

interface LoadFlags extends CatalogFlags {
  batchSize: number;
  concurrency: number;
  index?: string;
  sidecarUrl?: string;
  errors?: string;
  async?: boolean;
}

async function countLines(path: string): Promise<number> {
  const input = path.endsWith(".gz") ? createReadStream(path).pipe(createGunzip()) : createReadStream(path);
  let lines = 0;
  const reader = createInterface({ input, crlfDelay: Infinity });
  reader.on("line", () => (lines += 1));
  await new Promise((resolve) => reader.once("close", resolve));
  return lines;
}

/** `relevance load`: a catalog file through the sidecar's enrichment path. */
export function loadCommand(): Command {
  return withCatalogOptions(new Command("load").description("load a product catalog (CSV or JSONL, .gz accepted) through the sidecar's enrichment path"))
    .option("--batch-size <n>", "documents per enrich request", positiveInt("--batch-size"), 500)
    .option("--concurrency <n>", "enrich requests in flight", positiveInt("--concurrency"), 2)
    .option("--index <name>", `index or alias to write to ${envDefault("PRODUCTS_ALIAS")}`)
    .option("--sidecar-url <url>", "sidecar URL (env SIDECAR_URL)")
    .option("--errors <file>", "write every failed document as JSONL to this file")
    .option("--async", "queue the batches: the sidecar cleans and validates them and answers at once, `relevance worker` embeds and writes them (embed-documents jobs)")
    .action(async (flags: LoadFlags) => {
      const connections = readConnectionSettings();
      const client = cliSidecarClient(connections, flags.sidecarUrl);
      const progress = progressBar("loading", process.stdout.isTTY ? await countLines(flags.catalog) : 0);
      const summary = await loadCatalog(flags.catalog, {
        ...catalogReadOptions(flags),
        batchSize: flags.batchSize,
        concurrency: flags.concurrency,
        // The products alias this command was configured with, as `serve` is: PRODUCTS_ALIAS agrees across both.
        send: (documents) => {
          const index = flags.index ?? connections.productsAlias;
          return flags.async ? client.enrichQueued(documents, { index }) : client.enrich(documents, { index });
        },
        onProgress: (n) => progress.increment(n),
      });
      progress.stop();
      for (const failure of summary.failures.slice(0, 20)) {
        note(`line ${failure.line}${failure.id ? ` (id ${failure.id})` : ""}: ${failure.message}`);
      }
      if (summary.failures.length > 20) note(`… and ${summary.failures.length - 20} more failures${flags.errors ? ` (all in ${flags.errors})` : " (use --errors FILE to keep them all)"}`);
      if (flags.errors) await writeFile(flags.errors, summary.failures.map((f) => JSON.stringify(f)).join("\n") + "\n");
      if (flags.async) {
        note(`${summary.queued} documents queued in ${summary.jobs.length} embed-documents jobs (relevance jobs shows them; relevance worker runs them)`);
        printSummary({ queued: summary.queued, failed: summary.failed, seconds: summary.seconds, jobs: summary.jobs });
        return;
      }
      printSummary({ loaded: summary.loaded, failed: summary.failed, unchanged: summary.unchanged, seconds: summary.seconds });
    });
}
