import { Option, type Command } from "commander";
import { parseFieldMap, type CatalogFormat, type CatalogReadOptions } from "../indexing";

/** The flags of every command that reads a catalog file. */
export interface CatalogFlags {
  catalog: string;
  format?: CatalogFormat;
  map?: string;
}

/** Adds `--catalog`, `--format` and `--map`, worded the same on every command. */
export function withCatalogOptions(command: Command): Command {
  return command
    .requiredOption("--catalog <file>", "catalog file (CSV or JSONL, .gz accepted)")
    .addOption(new Option("--format <format>", "file format (default: from the file name)").choices(["csv", "jsonl"]))
    .option("--map <pairs>", "canonical field=source column pairs, e.g. id=product_uid,title=product_title");
}

/** How the catalog reader should read the file those flags name. */
export function catalogReadOptions(flags: CatalogFlags): CatalogReadOptions {
  return { map: parseFieldMap(flags.map), ...(flags.format ? { format: flags.format } : {}) };
}
