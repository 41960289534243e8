import { Command } from "commander";
import { benchCommand } from "./commands/bench";
import { evalCommand } from "./commands/eval";
import { eventsCommand } from "./commands/events";
import { jobsCommand } from "./commands/jobs";
import { judgmentsCommand } from "./commands/judgments";
import { loadCommand } from "./commands/load";
import { modelsCommand } from "./commands/models";
import { opensearchCommand } from "./commands/opensearch";
import { serveCommand } from "./commands/serve";
import { setupCommand } from "./commands/setup";
import { synthesizeCommand } from "./commands/synthesize";
import { trainCommand } from "./commands/train";
import { workerCommand } from "./commands/worker";

export function buildProgram(): Command {
  const program = new Command("relevance")
    .description("search relevance sidecar for OpenSearch: enrich, search, evaluate, train")
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(text) });
  program.addCommand(opensearchCommand());
  program.addCommand(serveCommand());
  program.addCommand(workerCommand());
  program.addCommand(jobsCommand());
  program.addCommand(setupCommand());
  program.addCommand(loadCommand());
  program.addCommand(eventsCommand());
  program.addCommand(synthesizeCommand());
  program.addCommand(evalCommand());
  program.addCommand(judgmentsCommand());
  program.addCommand(trainCommand());
  program.addCommand(modelsCommand());
  program.addCommand(benchCommand());
  return program;
}

/** Entry point of `npx relevance`. Errors propagate to bin/relevance.js, which prints one line and exits 1. */
export async function main(argv: readonly string[]): Promise<void> {
  await buildProgram().parseAsync([...argv]);
}
