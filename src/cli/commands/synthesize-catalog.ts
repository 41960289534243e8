import { createWriteStream } from "node:fs";
import { Command, Option } from "commander";
import { cleanProduct, parseFieldMap, readCatalog, type CatalogFormat, type Product, type RawRecord } from "../../indexing";
import { catalogVariants, generateSampleCatalog } from "../../synthetic";
import { note, positiveInt, printSummary } from "../output";

interface CatalogFlags {
  out: string;
  count: number;
  seed: number;
  from?: string;
  map?: string;
  format?: CatalogFormat;
  variants: number;
}

async function productsOf(path: string, flags: CatalogFlags): Promise<Product[]> {
  const products: Product[] = [];
  let skipped = 0;
  for await (const entry of readCatalog(path, { map: parseFieldMap(flags.map), ...(flags.format ? { format: flags.format } : {}) })) {
    const cleaned = entry.record ? cleanProduct(entry.record) : null;
    if (cleaned?.ok) products.push(cleaned.product);
    else skipped += 1;
  }
  if (skipped > 0) note(`--from: ${skipped} records skipped (the enrichment path would refuse them)`);
  if (products.length === 0) throw new Error(`no usable products in ${path}`);
  return products;
}

async function writeRecords(path: string, records: Iterable<RawRecord>): Promise<number> {
  const out = createWriteStream(path);
  let written = 0;
  for (const record of records) {
    if (!out.write(`${JSON.stringify(record)}\n`)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
    written += 1;
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return written;
}

/** `relevance synthesize catalog`: the sample catalog, or variants of a real catalog (`--from`); every product tagged synthetic. */
export function synthesizeCatalogCommand(): Command {
  return new Command("catalog")
    .description("write a synthetic product catalog as JSONL: the sample catalog, or with --from variants of a catalog's products (attribute recombination, title rewriting; variant_of = the product's id)")
    .requiredOption("--out <file>", "output JSONL file")
    .option("--count <n>", "products to generate (sample catalog)", positiveInt("--count"), 2000)
    .option("--seed <n>", "random seed", positiveInt("--seed"), 42)
    .option("--from <file>", "catalog to make variants of (CSV or JSONL, .gz accepted)")
    .addOption(new Option("--format <format>", "--from file format (default: from the file name)").choices(["csv", "jsonl"]))
    .option("--map <pairs>", "--from canonical field=source column pairs, e.g. id=product_uid,title=product_title")
    .option("--variants <n>", "variants per product (with --from)", positiveInt("--variants"), 2)
    .action(async (flags: CatalogFlags) => {
      if (!flags.from) {
        const written = await writeRecords(flags.out, generateSampleCatalog({ count: flags.count, seed: flags.seed }));
        printSummary({ products: written, out: flags.out, synthetic: true });
        return;
      }
      const products = await productsOf(flags.from, flags);
      const written = await writeRecords(flags.out, catalogVariants(products, { variants: flags.variants, seed: flags.seed }));
      printSummary({ products: written, variants_of: products.length, out: flags.out, synthetic: true });
    });
}
