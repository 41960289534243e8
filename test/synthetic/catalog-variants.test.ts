import { strict as assert } from "node:assert";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@opensearch-project/opensearch";
import { SidecarClient } from "../../src/client";
import { type Sidecar } from "../../src/http";
import { cleanProduct, type Product } from "../../src/indexing";
import { catalogVariants, replaceWord, rewriteSynonym, rewriteUnits, rewriteWordOrder } from "../../src/synthetic";
import { seededRandom } from "../../src/shared/seeded-random";
import { lastJsonLine } from "../eval/helpers/run-cli";
import { runRelevance } from "../utils/run-relevance";
import { TEST_API_KEYS } from "../utils/services";
import { startTestSidecar } from "../utils/sidecar-harness";

const CSV = [
  "sku,name,maker,dept,cost,colour",
  'a1,"Acme 20V cordless drill - black",Acme,Tools/Power Tools,99.00,black',
  'a2,"Ironclad claw hammer 16 oz.",Ironclad,Tools/Hand Tools,19.50,red',
  'a3,"Brightway LED bulb 60W (white)",Brightway,Lighting/Bulbs,7.25,white',
].join("\n");
const MAP = "id=sku,title=name,brand=maker,category=dept,price=cost";

function product(fields: Record<string, unknown>): Product {
  const cleaned = cleanProduct(fields);
  assert.ok(cleaned.ok);
  return cleaned.product;
}

describe("catalog augmentation: variants", function () {
  this.timeout(120_000);

  it("title rules: units, synonyms, word order, whole-word literal replacement", () => {
    assert.equal(rewriteUnits("claw hammer 16 oz.", 1), "claw hammer 16oz");
    assert.equal(rewriteUnits("claw hammer 16oz", 2), "claw hammer 16-ounce");
    assert.equal(rewriteUnits("SSD 512GB", 0), "SSD 512 GB.");
    assert.equal(rewriteUnits("no units here", 1), "no units here");
    assert.equal(rewriteSynonym("Acme cordless drill", seededRandom(1)), "Acme wireless drill");
    assert.equal(rewriteWordOrder("Acme drill - black"), "black - Acme drill");
    assert.equal(rewriteWordOrder("Acme claw hammer"), "hammer Acme claw");
    assert.equal(rewriteWordOrder("hammer"), "hammer");
    assert.equal(replaceWord("Acme drill by ACME (acmes)", "acme", "Zenith"), "Zenith drill by Zenith (acmes)");
    // Input with regex metacharacters is replaced literally.
    assert.equal(replaceWord("a (b+) c", "(b+)", "x"), "a x c");
    const long = `${"9".repeat(50_000)}oz`;
    const started = performance.now();
    rewriteUnits(`${long} ${"a ".repeat(50_000)}`, 1);
    assert.ok(performance.now() - started < 2000, "long tokens are handled without blow-up");
  });

  it("variants recombine the catalog's own values, rewrite the title, and carry synthetic + variant_of; same seed → same variants", () => {
    const products = [
      product({ id: "p1", title: "Acme drill - black", brand: "Acme", category: "Tools", price: 50, attributes: { color: "black", size: "small" } }),
      product({ id: "p2", title: "Ironclad hammer 16 oz. red", brand: "Ironclad", category: "Tools", price: 20, attributes: { color: "red", size: "large" } }),
      product({ id: "p3", title: "Brightway bulb", brand: "Brightway", attributes: { color: "white" } }),
    ];
    const variants = [...catalogVariants(products, { variants: 3, seed: 5 })];
    assert.equal(variants.length, 9);
    assert.deepEqual(variants, [...catalogVariants(products, { variants: 3, seed: 5 })]);
    assert.notDeepEqual(variants, [...catalogVariants(products, { variants: 3, seed: 6 })]);
    const brands = new Set(["Acme", "Ironclad", "Brightway"]);
    for (const variant of variants) {
      const source = products.find((p) => p.id === variant.variant_of);
      assert.ok(source, "variant_of names a product");
      assert.equal(variant.synthetic, true);
      assert.match(String(variant.id), new RegExp(`^${source.id}-v[123]$`));
      assert.notEqual(variant.title, source.title, "the title is rewritten");
      assert.ok(brands.has(String(variant.brand)), "brands come from the catalog");
      const attributes = variant.attributes as Record<string, string> | undefined;
      if (attributes?.color) assert.ok(["black", "red", "white"].includes(attributes.color));
      assert.ok(cleanProduct(variant).ok, "variants pass the enrichment path's cleaning");
    }
    assert.ok(variants.some((v) => v.brand !== products.find((p) => p.id === v.variant_of)?.brand), "some variants got another brand");
  });

  describe("through the enrichment paths into OpenSearch", () => {
    let sidecar: Sidecar;
    let url: string;
    let dir: string;
    let opensearch: Client;

    before(async () => {
      sidecar = await startTestSidecar();
      url = `http://127.0.0.1:${await sidecar.listen()}`;
      dir = await mkdtemp(join(tmpdir(), "catalog-variants-"));
      opensearch = new Client({ node: url, headers: { "x-api-key": TEST_API_KEYS.admin } });
    });
    after(async () => {
      await opensearch.close();
      await sidecar.close();
      await rm(dir, { recursive: true, force: true });
    });

    it("synthesize catalog --from writes variants; relevance load keeps synthetic and variant_of in _source; /v1/search filters them", async () => {
      const csv = join(dir, "catalog.csv");
      const out = join(dir, "variants.jsonl");
      await writeFile(csv, CSV);
      const made = await runRelevance(["synthesize", "catalog", "--from", csv, "--map", MAP, "--variants", "2", "--seed", "3", "--out", out]);
      assert.equal(made.code, 0, made.stderr);
      assert.deepEqual(lastJsonLine(made.stdout), { products: 6, variants_of: 3, out, synthetic: true });
      const lines = (await readFile(out, "utf8")).trimEnd().split("\n");
      assert.equal(lines.length, 6);

      const env = { SIDECAR_URL: url, SIDECAR_API_KEY: TEST_API_KEYS.write, PRODUCTS_ALIAS: sidecar.config.productsAlias };
      for (const [file, extra] of [[csv, ["--map", MAP]], [out, []]] as const) {
        const loaded = await runRelevance(["load", "--catalog", file, ...extra], env);
        assert.equal(loaded.code, 0, loaded.stderr);
        assert.equal(lastJsonLine(loaded.stdout).failed, 0);
      }
      const alias = sidecar.config.productsAlias;
      await opensearch.indices.refresh({ index: alias });
      const stored = (await opensearch.get({ index: alias, id: "a2-v1" })).body._source as Record<string, unknown>;
      assert.equal(stored.synthetic, true);
      assert.equal(stored.variant_of, "a2");
      assert.match(String(stored.content_hash), /^[0-9a-f]{64}$/, "enriched on the way");
      const original = (await opensearch.get({ index: alias, id: "a2" })).body._source as Record<string, unknown>;
      assert.equal(original.synthetic, undefined);

      const client = new SidecarClient({ baseUrl: url });
      const real = await client.search({ q: "hammer drill bulb", pipeline: "bm25", size: 20, filters: { synthetic: false } });
      const synthetic = await client.search({ q: "hammer drill bulb", pipeline: "bm25", size: 20, filters: { synthetic: true } });
      assert.deepEqual(real.hits.map((h) => String(h.id)).sort(), ["a1", "a2", "a3"]);
      assert.ok(synthetic.hits.length > 0 && synthetic.hits.every((h) => /-v[12]$/.test(String(h.id))));
    });

    it("_bulk through the sidecar keeps synthetic and variant_of", async () => {
      const alias = sidecar.config.productsAlias;
      const response = await opensearch.bulk({ refresh: true, body: [{ index: { _index: alias, _id: "b1-v1" } }, { title: "Zenith drill", synthetic: true, variant_of: "b1" }] });
      assert.equal(response.body.errors, false);
      const stored = (await opensearch.get({ index: alias, id: "b1-v1" })).body._source as Record<string, unknown>;
      assert.equal(stored.synthetic, true);
      assert.equal(stored.variant_of, "b1");
      assert.match(String(stored.content_hash), /^[0-9a-f]{64}$/);
    });
  });
});
