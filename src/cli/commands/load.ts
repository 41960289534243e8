import { createReadStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import { Command, Option } from "commander";
import { readConnectionSettings } from "../../config";
import { loadCatalog, parseFieldMap, type CatalogFormat } from "../../indexing";
import { note, positiveInt, printSummary, progressBar } from "../output";
import { SidecarClient } from "../sidecar-client";

interface LoadFlags {
  catalog: string;
  format?: CatalogFormat;
  map?: string;
  batchSize: number;
  concurrency: number;
  index?: string;
  sidecarUrl?: string;
  errors?: string;
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
  return new Command("load")
    .description("load a product catalog (CSV or JSONL, .gz accepted) through the sidecar's enrichment path")
    .requiredOption("--catalog <file>", "catalog file")
    .addOption(new Option("--format <format>", "file format (default: from the file name)").choices(["csv", "jsonl"]))
    .option("--map <pairs>", "canonical field=source column pairs, e.g. id=product_uid,title=product_title")
    .option("--batch-size <n>", "documents per enrich request", positiveInt("--batch-size"), 500)
    .option("--concurrency <n>", "enrich requests in flight", positiveInt("--concurrency"), 2)
    .option("--index <name>", "index or alias to write to (default: the sidecar's products alias)")
    .option("--sidecar-url <url>", "sidecar URL (env SIDECAR_URL)")
    .option("--errors <file>", "write every failed document as JSONL to this file")
    .action(async (flags: LoadFlags) => {
      const map = parseFieldMap(flags.map);
      const client = new SidecarClient({ baseUrl: flags.sidecarUrl ?? readConnectionSettings().sidecarUrl });
      const progress = progressBar("loading", process.stdout.isTTY ? await countLines(flags.catalog) : 0);
      const summary = await loadCatalog(flags.catalog, {
        map,
        ...(flags.format ? { format: flags.format } : {}),
        batchSize: flags.batchSize,
        concurrency: flags.concurrency,
        send: (documents) => client.enrich(documents, flags.index ? { index: flags.index } : {}),
        onProgress: (n) => progress.increment(n),
      });
      progress.stop();
      for (const failure of summary.failures.slice(0, 20)) {
        note(`line ${failure.line}${failure.id ? ` (id ${failure.id})` : ""}: ${failure.message}`);
      }
      if (summary.failures.length > 20) note(`… and ${summary.failures.length - 20} more failures${flags.errors ? ` (all in ${flags.errors})` : " (use --errors FILE to keep them all)"}`);
      if (flags.errors) await writeFile(flags.errors, summary.failures.map((f) => JSON.stringify(f)).join("\n") + "\n");
      printSummary({ loaded: summary.loaded, failed: summary.failed, unchanged: summary.unchanged, seconds: summary.seconds });
    });
}
