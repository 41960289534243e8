// Stands in for src/cli/main.ts (wired by the lead) so the tests can run the two commands as a real process.
import { Command } from "commander";
import { evalCommand } from "../../../src/cli/commands/eval";
import { judgmentsCommand } from "../../../src/cli/commands/judgments";

const program = new Command("relevance").addCommand(evalCommand()).addCommand(judgmentsCommand());
program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`relevance: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
