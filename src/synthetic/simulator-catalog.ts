import { cleanProduct, readCatalog, type CatalogReadOptions, type RawRecord } from "../indexing";
import { priceBand } from "../profiles";

/** What the simulator knows of a product: its text and the facets user preferences are made of. */
export interface SimulatorItem {
  id: string;
  title: string;
  /** Category path joined with `/`; empty when the product has none. */
  category: string;
  brand: string;
  /** Price band (`src/profiles` bands); empty without a price. */
  priceBand: string;
}

function simulatorItem(record: RawRecord): SimulatorItem | null {
  const cleaned = cleanProduct(record);
  if (!cleaned.ok) return null;
  const product = cleaned.product;
  return {
    id: product.id,
    title: product.title,
    category: (product.category ?? []).join("/"),
    brand: product.brand ?? "",
    priceBand: priceBand(product.price) ?? "",
  };
}

/** Items of a catalog file (the `load` command's formats and `--map`); records the enrichment path would refuse are skipped and counted. */
export async function readSimulatorCatalog(path: string, options: CatalogReadOptions = {}): Promise<{ items: SimulatorItem[]; skipped: number }> {
  const items: SimulatorItem[] = [];
  const seen = new Set<string>();
  let skipped = 0;
  for await (const entry of readCatalog(path, options)) {
    const item = entry.record ? simulatorItem(entry.record) : null;
    if (!item || seen.has(item.id)) {
      skipped += 1;
      continue;
    }
    seen.add(item.id);
    items.push(item);
  }
  return { items, skipped };
}

/** Items of in-memory records (e.g. the sample catalog generator's). */
export function simulatorItems(records: Iterable<RawRecord>): SimulatorItem[] {
  const items: SimulatorItem[] = [];
  for (const record of records) {
    const item = simulatorItem(record);
    if (item) items.push(item);
  }
  return items;
}
