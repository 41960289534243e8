import { Command } from "commander";
import { envDefault, readConnectionSettings } from "../../config";
import { listModels, promoteModel } from "../../model";
import { note, printSummary } from "../output";

interface ModelsFlags {
  modelsDir?: string;
}

/** The same models folder `serve` and `train` use: the flag, else MODELS_DIR, else its default. */
const modelsDirOf = (flags: ModelsFlags): string => flags.modelsDir ?? readConnectionSettings().modelsDir;
const MODELS_DIR_HELP = `models folder ${envDefault("MODELS_DIR")}`;

function metric(metrics: Record<string, unknown> | undefined, key: string): string {
  const value = metrics?.[key];
  return typeof value === "number" ? value.toFixed(4) : "";
}

/** `relevance models …`: lists trained models and promotes one version per model name. */
export function modelsCommand(): Command {
  const models = new Command("models").description("list and promote trained models");
  models
    .command("list")
    .description("list model versions (table on stderr; last stdout line is a JSON array)")
    .option("--models-dir <dir>", MODELS_DIR_HELP)
    .action(async (flags: ModelsFlags) => {
      const modelsDir = modelsDirOf(flags);
      const listing = await listModels(modelsDir);
      const rows = listing.map((m) => [m.active ? "*" : "", m.name, m.version, m.kind, m.createdAt ?? "", m.dimension === undefined ? "" : String(m.dimension), metric(m.metrics, "val_recall@10")]);
      const header = ["", "name", "version", "kind", "created", "dim", "val_recall@10"];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
      const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
      note(line(header));
      for (const row of rows) note(line(row));
      if (rows.length === 0) note(`(no models in ${modelsDir})`);
      process.stdout.write(
        `${JSON.stringify(listing.map((m) => ({ name: m.name, version: m.version, kind: m.kind, active: m.active, createdAt: m.createdAt ?? null, dimension: m.dimension ?? null, dir: m.dir })))}\n`,
      );
    });
  models
    .command("promote")
    .description("make VERSION the active version of model NAME (e.g. embeddings)")
    .argument("<name>", "model name (its folder under the models folder)")
    .argument("<version>", "version to activate")
    .option("--models-dir <dir>", MODELS_DIR_HELP)
    .action(async (name: string, version: string, flags: ModelsFlags) => {
      await promoteModel(modelsDirOf(flags), name, version);
      note(`${name}: active version is now ${version} (re-embed the catalog to use it for documents)`);
      printSummary({ name, version, promoted: true });
    });
  return models;
}
