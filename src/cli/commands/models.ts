import { Command } from "commander";
import { envDefault, loadConfig, readConnectionSettings } from "../../config";
import { followEmbeddingsPromotion, openJobQueue, profileRebuildTarget, type PromotionFollowUp } from "../../jobs";
import { EMBEDDINGS_KIND, listModels, promoteModel } from "../../model";
import { gatewayFromConfig } from "../../opensearch";
import { note, printSummary } from "../output";

interface ModelsFlags {
  modelsDir?: string;
  /** commander's `--no-reindex`: false when given. */
  reindex?: boolean;
}

/**
 * After an embeddings promotion: swap the products alias back to a kept index built with that version
 * (rollback, no re-embedding), or enqueue a `reindex` job for `relevance worker`.
 */
async function followPromotion(modelsDir: string, version: string): Promise<PromotionFollowUp> {
  const config = loadConfig({ modelsDir });
  const gateway = gatewayFromConfig(config);
  const opened = openJobQueue(config);
  try {
    return await followEmbeddingsPromotion({ gateway, alias: config.productsAlias, version, queue: opened.queue, announce: opened.connection, profiles: profileRebuildTarget(config) });
  } finally {
    await opened.close();
    await gateway.close();
  }
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
    .option("--no-reindex", "embeddings only: do not swap the products alias back or enqueue a reindex")
    .action(async (name: string, version: string, flags: ModelsFlags) => {
      const modelsDir = modelsDirOf(flags);
      await promoteModel(modelsDir, name, version);
      if (name !== EMBEDDINGS_KIND || flags.reindex === false) {
        note(`${name}: active version is now ${version}${name === EMBEDDINGS_KIND ? " (documents keep their vectors: no reindex)" : ""}`);
        printSummary({ name, version, promoted: true });
        return;
      }
      let followUp: PromotionFollowUp;
      try {
        followUp = await followPromotion(modelsDir, version);
      } catch (err) {
        throw new Error(`${name} ${version} is promoted, but the products index could not follow: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      if (followUp.action === "rolled-back") {
        note(`${name}: active version is now ${version}; products alias swapped back from ${followUp.from} to ${followUp.to} in ${followUp.ms} ms; rebuild-profiles job ${followUp.profilesJob?.id ?? "-"} enqueued`);
      } else if (followUp.action === "reindex") {
        note(`${name}: active version is now ${version}; reindex job ${followUp.job.id} ${followUp.job.created ? "enqueued" : "already queued"}, rebuild-profiles follows its swap (relevance worker runs them; relevance jobs ${followUp.job.id} shows it)`);
      }
      else note(`${name}: active version is now ${version}; ${followUp.reason}`);
      printSummary({ name, version, promoted: true, index: followUp.action, ...(followUp.action === "reindex" ? { job: followUp.job.id } : {}), ...(followUp.action === "rolled-back" ? { index_now: followUp.to, profiles_job: followUp.profilesJob?.id ?? null } : {}) });
    });
  return models;
}
