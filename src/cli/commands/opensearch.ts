import { Command } from "commander";
import { localNodeStatus, startLocalNode, stopLocalNode } from "../../opensearch";
import { printSummary, positiveInt, note } from "../output";

interface NodeFlags {
  port?: number;
  data?: string;
  heap?: string;
  jars?: string;
}

function nodeOptions(flags: NodeFlags) {
  return {
    ...(flags.port !== undefined ? { port: flags.port } : {}),
    ...(flags.data !== undefined ? { dataDir: flags.data } : {}),
    ...(flags.heap !== undefined ? { heap: flags.heap } : {}),
    ...(flags.jars !== undefined ? { jarsDir: flags.jars } : {}),
  };
}

function withNodeFlags(command: Command): Command {
  return command
    .option("--port <n>", "HTTP port (the runner binds ports up to 9299)", positiveInt("--port"), 9200)
    .option("--data <dir>", "data, logs and pid folder (default .local/opensearch-<port>)");
}

/** `relevance opensearch start|stop|status`: a real local single-node OpenSearch 2.19.1 with k-NN. */
export function opensearchCommand(): Command {
  const command = new Command("opensearch").description("run a local single-node OpenSearch 2.19.1 with the k-NN plugin");
  withNodeFlags(command.command("start"))
    .description("start it in the background and wait until the cluster is yellow or green (idempotent); stdout is only its URL")
    .option("--heap <size>", "JVM heap, e.g. 1g", "1g")
    .option("--jars <dir>", "where Maven puts the OpenSearch jars, fetched when missing (default scripts/opensearch/target)")
    .action(async (flags: NodeFlags) => {
      const status = await startLocalNode(nodeOptions(flags));
      note(status.started ? `OpenSearch started (${status.health ?? "?"}) at ${status.url}` : `OpenSearch already running at ${status.url}`);
      process.stdout.write(`${status.url}\n`);
    });
  withNodeFlags(command.command("stop"))
    .description("stop the node started by `start` (idempotent)")
    .option("--wipe", "also delete its data folder")
    .action(async (flags: NodeFlags & { wipe?: boolean }) => {
      const result = await stopLocalNode({ ...nodeOptions(flags), wipe: flags.wipe === true });
      printSummary(result);
    });
  withNodeFlags(command.command("status"))
    .description("print whether the node answers, its health and pid")
    .action(async (flags: NodeFlags) => {
      const status = await localNodeStatus(nodeOptions(flags));
      printSummary({ ...status });
      if (!status.running) process.exitCode = 3;
    });
  return command;
}
