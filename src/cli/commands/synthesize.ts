import { Command } from "commander";
import { synthesizeCatalogCommand } from "./synthesize-catalog";
import { synthesizeFeaturesCommand } from "./synthesize-features";
import { synthesizeReportCommand } from "./synthesize-report";
import { synthesizeSessionsCommand } from "./synthesize-sessions";

/** `relevance synthesize …`: synthetic catalogs, sessions and training data, every record tagged synthetic. */
export function synthesizeCommand(): Command {
  const command = new Command("synthesize").description("generate synthetic data (every record is tagged synthetic)");
  command.addCommand(synthesizeCatalogCommand());
  command.addCommand(synthesizeSessionsCommand());
  command.addCommand(synthesizeFeaturesCommand());
  command.addCommand(synthesizeReportCommand());
  return command;
}
