import { Command } from "commander";
import { readConnectionSettings } from "../../config";
import { loadEventsFile, readLines } from "../../events";
import { note, positiveInt, printSummary, progressBar } from "../output";
import { cliSidecarClient } from "../sidecar-client";

interface EventsLoadFlags {
  file: string;
  batchSize: number;
  concurrency: number;
  sidecarUrl?: string;
}

/** Rejections printed to stderr with their line numbers; the rest are counted. */
const SHOWN_REJECTIONS = 20;

async function countLines(path: string): Promise<number> {
  let lines = 0;
  const reader = readLines(path)[Symbol.asyncIterator]();
  while (!(await reader.next()).done) lines += 1;
  return lines;
}

function eventsLoadCommand(): Command {
  return new Command("load")
    .description("send an NDJSON events file (.gz accepted) to the sidecar's POST /v1/events in batches")
    .requiredOption("--file <file>", "NDJSON events file, one event per line (CONTRACTS §3)")
    .option("--batch-size <n>", "events per request (at most 5000)", positiveInt("--batch-size"), 500)
    .option("--concurrency <n>", "requests in flight", positiveInt("--concurrency"), 2)
    .option("--sidecar-url <url>", "sidecar URL (env SIDECAR_URL)")
    .action(async (flags: EventsLoadFlags) => {
      if (flags.batchSize > 5000) throw new Error(`--batch-size must be at most 5000, got ${flags.batchSize}`);
      const connections = readConnectionSettings();
      const client = cliSidecarClient(connections, flags.sidecarUrl);
      const progress = progressBar("events", process.stdout.isTTY ? await countLines(flags.file) : 0);
      const summary = await loadEventsFile(flags.file, {
        batchSize: flags.batchSize,
        concurrency: flags.concurrency,
        send: (events) => client.events(events),
        onProgress: (lines) => progress.increment(lines),
      }).finally(() => progress.stop());
      for (const rejection of summary.rejections.slice(0, SHOWN_REJECTIONS)) note(`line ${rejection.line}: ${rejection.code} ${rejection.message}`);
      if (summary.rejected > SHOWN_REJECTIONS) note(`… and ${summary.rejected - SHOWN_REJECTIONS} more rejected events`);
      printSummary({ accepted: summary.accepted, duplicate: summary.duplicate, rejected: summary.rejected, seconds: summary.seconds });
    });
}

/** `relevance events …`: behaviour events. */
export function eventsCommand(): Command {
  return new Command("events").description("behaviour events (CONTRACTS §3)").addCommand(eventsLoadCommand());
}
