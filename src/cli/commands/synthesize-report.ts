import { Command, Option } from "commander";
import { parseFieldMap, type CatalogFormat } from "../../indexing";
import { readCatalogProducts } from "../../model/training-inputs";
import { qualityReport, qualitySummaryLine, writeQualityReport, type QualityReportOptions } from "../../synthetic/quality";
import { note, positiveInt, printSummary } from "../output";

/** The command's flags: the report's options (same names) plus the catalog to read categories from and the output folder. */
interface SynthesizeReportFlags extends Omit<QualityReportOptions, "categoryOf"> {
  catalog?: string;
  format?: CatalogFormat;
  map?: string;
  out: string;
  folds: number;
  resamples: number;
  seed: number;
}

/** Item id → its full category path, from the catalog (for the category shares; a top level alone is often one value for a whole shop). */
async function categoriesOf(flags: SynthesizeReportFlags): Promise<((itemId: string) => string | undefined) | undefined> {
  if (!flags.catalog) return undefined;
  const { products } = await readCatalogProducts(flags.catalog, { map: parseFieldMap(flags.map), ...(flags.format ? { format: flags.format } : {}) });
  const categories = new Map<string, string>();
  for (const [id, product] of products) {
    const path = product.category?.join("/");
    if (path) categories.set(id, path);
  }
  note(`catalog: ${products.size} products, ${categories.size} with a category`);
  return (itemId) => categories.get(itemId);
}

async function synthesizeReportAction(flags: SynthesizeReportFlags): Promise<void> {
  const report = await qualityReport({ ...flags, categoryOf: await categoriesOf(flags) });
  const written = await writeQualityReport(flags.out, report, { real: flags.real, synthetic: flags.synthetic });
  note(`wrote ${written.html} and ${written.json}`);
  printSummary({ ...qualitySummaryLine(report), report: written.html });
}

/** `relevance synthesize report`: how close synthetic data is to real data, as the lab's HTML report plus a JSON line. */
export function synthesizeReportCommand(): Command {
  return new Command("report")
    .description(
      "compare synthetic with real data: per-statistic distances of the events (KS and Wasserstein-1; total variation and Jensen–Shannon for categories), a classifier two-sample test (cross-validated AUC, 0.5 is perfect), per-feature distances of lists files, and TSTR/TRTR from `relevance eval` summary lines; writes <out>/report.html and report.json",
    )
    .requiredOption("--real <file>", "real events NDJSON (.gz accepted)")
    .requiredOption("--synthetic <file>", "synthetic events NDJSON (.gz accepted)")
    .option("--catalog <file>", "catalog (CSV or JSONL, .gz accepted) for the category shares of interacted items")
    .addOption(new Option("--format <format>", "catalog format (default: from the file name)").choices(["csv", "jsonl"]))
    .option("--map <pairs>", "catalog field=column pairs, e.g. id=product_uid,title=product_title")
    .option("--real-lists <file>", "lists file of real candidates (`train reranker --save-lists`): per re-ranker feature distances")
    .option("--synthetic-lists <file>", "lists file with synthetic rows (`synthesize features --out`); its rows marked synthetic are compared")
    .option("--tstr <file>", "the last stdout line of `relevance eval` for the re-ranker trained on synthetic data")
    .option("--trtr <file>", "the same for the re-ranker trained on real data (the reference)")
    .option("--mixed <file>", "the same for real + synthetic")
    .option("--private <file>", "the same for synthetic data fitted with --epsilon (differential privacy)")
    .requiredOption("--out <dir>", "folder for report.html and report.json")
    .option("--folds <n>", "folds of the two-sample test", positiveInt("--folds"), 5)
    .option("--resamples <n>", "bootstrap resamples of its AUC interval", positiveInt("--resamples"), 1000)
    .option("--seed <n>", "random seed (sampling, folds, bootstrap)", positiveInt("--seed"), 42)
    .action(synthesizeReportAction);
}
