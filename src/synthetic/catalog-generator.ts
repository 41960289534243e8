import { type RawRecord } from "../indexing";
import { pick, seededRandom } from "../shared/seeded-random";

/** Product families the sample catalog is made of: a category path, nouns, and what varies. */
const FAMILIES = [
  { category: "Tools/Power Tools", nouns: ["cordless drill", "impact driver", "circular saw", "jigsaw", "angle grinder"], specs: ["12V", "18V", "20V MAX", "brushless"] },
  { category: "Tools/Hand Tools", nouns: ["claw hammer", "screwdriver set", "adjustable wrench", "utility knife", "tape measure"], specs: ["16 oz.", "6-piece", "10 in.", "25 ft."] },
  { category: "Hardware/Brackets", nouns: ["angle bracket", "corner brace", "shelf bracket", "joist hanger", "mending plate"], specs: ["galvanized", "zinc-plated", "stainless steel", "heavy duty"] },
  { category: "Outdoors/Watering", nouns: ["garden hose", "hose nozzle", "sprinkler", "soaker hose", "hose reel"], specs: ["50 ft.", "75 ft.", "kink resistant", "8-pattern"] },
  { category: "Lighting/Bulbs", nouns: ["LED bulb", "flood light", "light strip", "night light", "smart bulb"], specs: ["60W equivalent", "daylight", "soft white", "dimmable"] },
  { category: "Paint/Interior Paint", nouns: ["interior paint", "primer", "paint roller", "paint brush", "drop cloth"], specs: ["1 gal.", "eggshell", "semi-gloss", "9 in."] },
  { category: "Plumbing/Faucets", nouns: ["kitchen faucet", "bathroom faucet", "shower head", "supply line", "shut-off valve"], specs: ["brushed nickel", "chrome", "pull-down", "1/2 in."] },
  { category: "Electrical/Wiring", nouns: ["extension cord", "outlet", "light switch", "wire nut", "circuit breaker"], specs: ["25 ft.", "GFCI", "15 amp", "3-way"] },
] as const;

const BRANDS = ["Acme", "Ironclad", "Brightway", "Hydroflow", "Everpro", "Northfield", "Voltline", "Oakhurst"] as const;
const COLORS = ["black", "white", "silver", "red", "blue", "gray"] as const;

export interface SampleCatalogOptions {
  /** Products to make. @defaultValue 2000 */
  count?: number;
  /** @defaultValue 42 */
  seed?: number;
}

/**
 * A deterministic sample catalog for demos and local runs. Every product is tagged
 * `synthetic: true` so it can never be mistaken for real data.
 */
export function* generateSampleCatalog(options: SampleCatalogOptions = {}): Generator<RawRecord> {
  const random = seededRandom(options.seed ?? 42);
  const count = options.count ?? 2000;
  for (let i = 0; i < count; i++) {
    const family = pick(random, FAMILIES);
    const noun = pick(random, family.nouns);
    const spec = pick(random, family.specs);
    const brand = pick(random, BRANDS);
    const color = pick(random, COLORS);
    const price = Math.round((5 + random() * 295) * 100) / 100;
    yield {
      id: `syn-${String(i + 1).padStart(6, "0")}`,
      title: `${brand} ${spec} ${noun} (${color})`,
      description: `A ${spec} ${noun} by ${brand} in ${color}. Part of the ${family.category.split("/")[1] ?? ""} range.`,
      brand,
      category: family.category,
      price,
      attributes: { color, spec },
      synthetic: true,
    };
  }
}
