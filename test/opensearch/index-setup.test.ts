import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../../src/config";
import { deleteIndexes, indexesBehindAlias, OpenSearchGateway, setupIndexes } from "../../src/opensearch";
import { randomName, testOpenSearchUrl } from "../utils/services";

interface FieldMapping {
  type?: string;
  method?: { engine?: string };
  properties?: Record<string, FieldMapping>;
}

function knnFields(properties: Record<string, FieldMapping>): FieldMapping[] {
  return Object.values(properties).flatMap((field) => [...(field.type === "knn_vector" ? [field] : []), ...knnFields(field.properties ?? {})]);
}

describe("index templates and setup", () => {
  it("every knn_vector field in index-templates/ uses the lucene engine", () => {
    const folder = join(projectRoot(), "index-templates");
    const files = readdirSync(folder).filter((f) => f.endsWith(".json"));
    assert.ok(files.length >= 3);
    for (const file of files) {
      const template = JSON.parse(readFileSync(join(folder, file), "utf8")) as { template: { mappings: { properties: Record<string, FieldMapping> } } };
      for (const field of knnFields(template.template.mappings.properties)) assert.equal(field.method?.engine, "lucene", file);
    }
  });

  describe("on a real OpenSearch", () => {
    let gateway: OpenSearchGateway;
    before(() => {
      gateway = new OpenSearchGateway({ url: testOpenSearchUrl(), timeoutMs: 30_000 });
    });
    const prefix = randomName("setup");
    const aliases = { products: `${prefix}-products`, events: `${prefix}-events`, profiles: `${prefix}-profiles` };
    after(async () => {
      await deleteIndexes(gateway, aliases);
      await gateway.close();
    });

    it("creates versioned indexes behind aliases, and a second run changes nothing", async () => {
      const first = await setupIndexes(gateway, { aliases, embeddingDimension: 32 });
      assert.deepEqual(first.map((r) => [r.index, r.created]), [
        [`${aliases.products}-000001`, true],
        [`${aliases.events}-000001`, true],
        [`${aliases.profiles}-000001`, true],
      ]);
      const second = await setupIndexes(gateway, { aliases, embeddingDimension: 32 });
      assert.ok(second.every((r) => !r.created));
      assert.deepEqual(await indexesBehindAlias(gateway, aliases.products), [`${aliases.products}-000001`]);
      const mapping = await gateway.request<Record<string, { mappings: { properties: Record<string, { dimension?: number; method?: { engine?: string } }> } }>>(
        "GET",
        `/${aliases.products}/_mapping`,
      );
      const embedding = Object.values(mapping.body)[0]?.mappings.properties.embedding;
      assert.equal(embedding?.dimension, 32);
      assert.equal(embedding?.method?.engine, "lucene");
    });
  });
});
