import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { FIELD_LIMITS, cleanProduct, contentHash, type CleanResult, type Product, type RawRecord } from "../../src/indexing";
import { generateSampleCatalog } from "../../src/synthetic";

/** JSON text of `{"a":{"a":…{"a":1}…}}`, `depth` objects deep, built without recursion. */
function deeplyNestedJson(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
}

function problemsOf(result: CleanResult): string[] {
  assert.equal(result.ok, false, "expected the record to be rejected");
  return result.ok ? [] : result.problems;
}

function accepted(result: CleanResult): Product {
  assert.ok(result.ok, result.ok ? "" : result.problems.join("; "));
  return result.ok ? result.product : ({} as Product);
}

/** The recursive stableStringify that hashed every stored product before it was made iterative. */
function recursiveStableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(recursiveStableStringify).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${recursiveStableStringify(inner)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("cleanProduct", () => {
  const base = { id: "p1", title: "Cordless drill" };

  describe("field caps, checked before any cleaning", () => {
    const cases: { field: string; at: RawRecord; over: RawRecord; problem: RegExp }[] = [
      { field: "title", at: { title: "t".repeat(FIELD_LIMITS.title) }, over: { title: "t".repeat(FIELD_LIMITS.title + 1) }, problem: /^title must be at most 10000 characters, got 10001$/ },
      {
        field: "description",
        at: { description: " ".repeat(FIELD_LIMITS.description - 1) + "d" },
        over: { description: "d".repeat(FIELD_LIMITS.description + 1) },
        problem: /^description must be at most 100000 characters/,
      },
      { field: "brand", at: { brand: "b".repeat(FIELD_LIMITS.brand) }, over: { brand: "b".repeat(FIELD_LIMITS.brand + 1) }, problem: /^brand must be at most 1000 characters/ },
      {
        field: "category segment",
        at: { category: `Tools/${"c".repeat(FIELD_LIMITS.categorySegment)}` },
        over: { category: `Tools/${"c".repeat(FIELD_LIMITS.categorySegment + 1)}` },
        problem: /^category segment 2 must be at most 1000 characters/,
      },
      {
        field: "category segment (array)",
        at: { category: ["Tools", "c".repeat(FIELD_LIMITS.categorySegment)] },
        over: { category: ["Tools", "c".repeat(FIELD_LIMITS.categorySegment + 1)] },
        problem: /^category segment 2 must be at most 1000 characters/,
      },
      {
        field: "category segments",
        at: { category: Array.from({ length: FIELD_LIMITS.categorySegments }, (_, i) => `c${i}`).join(" > ") },
        over: { category: Array.from({ length: FIELD_LIMITS.categorySegments + 1 }, (_, i) => `c${i}`).join(" > ") },
        problem: /^category must have at most 32 segments$/,
      },
      {
        field: "category segments (array)",
        at: { category: Array.from({ length: FIELD_LIMITS.categorySegments }, (_, i) => `c${i}`) },
        over: { category: Array.from({ length: FIELD_LIMITS.categorySegments + 1 }, (_, i) => `c${i}`) },
        problem: /^category must have at most 32 segments$/,
      },
      { field: "price", at: { price: `${" ".repeat(FIELD_LIMITS.price - 1)}1` }, over: { price: `${" ".repeat(FIELD_LIMITS.price)}1` }, problem: /^price must be at most 64 characters/ },
      {
        field: "attributes",
        at: { attributes: Object.fromEntries(Array.from({ length: FIELD_LIMITS.attributes }, (_, i) => [`k${i}`, "v"])) },
        over: { attributes: Object.fromEntries(Array.from({ length: FIELD_LIMITS.attributes + 1 }, (_, i) => [`k${i}`, "v"])) },
        problem: /^attributes must have at most 1000 keys, got 1001$/,
      },
      {
        field: "attribute key",
        at: { attributes: { ["k".repeat(FIELD_LIMITS.attributeKey)]: "v" } },
        over: { attributes: { ["k".repeat(FIELD_LIMITS.attributeKey + 1)]: "v" } },
        problem: /^attribute key "k+…" must be at most 1000 characters/,
      },
      {
        field: "attribute value",
        at: { attributes: { size: "v".repeat(FIELD_LIMITS.attributeValue) } },
        over: { attributes: { size: "v".repeat(FIELD_LIMITS.attributeValue + 1) } },
        problem: /^attribute "size" must be at most 10000 characters/,
      },
      {
        field: "attribute value (array)",
        at: { attributes: { size: ["v".repeat(FIELD_LIMITS.attributeValue - 3), "v"] } },
        over: { attributes: { size: ["v".repeat(FIELD_LIMITS.attributeValue - 2), "v"] } },
        problem: /^attribute "size" must be at most 10000 characters/,
      },
      {
        field: "unknown fields",
        at: { notes: "n".repeat(FIELD_LIMITS.extraChars - '{"notes":""}'.length) },
        over: { notes: "n".repeat(FIELD_LIMITS.extraChars - '{"notes":""}'.length + 1) },
        problem: /^unknown fields must be at most 200000 characters of JSON together, got 200001$/,
      },
      {
        field: "nesting depth",
        at: { notes: JSON.parse(deeplyNestedJson(FIELD_LIMITS.depth - 1)) as unknown },
        over: { notes: JSON.parse(deeplyNestedJson(FIELD_LIMITS.depth)) as unknown },
        problem: /^document must not nest deeper than 32 levels$/,
      },
    ];
    for (const c of cases) {
      it(`${c.field}: accepted at the cap, rejected with a problem naming it above`, () => {
        accepted(cleanProduct({ ...base, ...c.at }));
        const problems = problemsOf(cleanProduct({ ...base, ...c.over }));
        assert.ok(problems.some((p) => c.problem.test(p)), `problems: ${JSON.stringify(problems)}`);
      });
    }

    it("keeps cutting cleaned titles and descriptions to 1,000 and 20,000 characters", () => {
      const product = accepted(cleanProduct({ ...base, title: "t".repeat(5000), description: "d ".repeat(30_000) }));
      assert.equal(product.title.length, 1000);
      assert.equal(product.description?.length, 20_000);
    });

    it("does not echo an id over its cap", () => {
      const result = cleanProduct({ ...base, id: "i".repeat(FIELD_LIMITS.id + 1) });
      assert.equal(result.ok, false);
      assert.ok(!result.ok && result.id === undefined);
    });
  });

  describe("category paths", () => {
    it("splits on / > | and trims each segment", () => {
      assert.deepEqual(accepted(cleanProduct({ ...base, category: " Tools /Power Tools>  Drills |Cordless " })).category, ["Tools", "Power Tools", "Drills", "Cordless"]);
    });

    it("drops empty and blank segments", () => {
      assert.deepEqual(accepted(cleanProduct({ ...base, category: "Tools /  / > Drills||" })).category, ["Tools", "Drills"]);
    });

    it("rejects 150 KB of spaces at once instead of splitting them for seconds", () => {
      const started = performance.now();
      const problems = problemsOf(cleanProduct({ ...base, category: `Tools${" ".repeat(150_000)}/Drills` }));
      assert.ok(performance.now() - started < 100);
      assert.deepEqual(problems, ["category segment 1 must be at most 1000 characters, got 150005"]);
    });
  });

  describe("HTML and entities", () => {
    it("strips tags of up to 200 characters, as before", () => {
      const inside = "x".repeat(200);
      assert.equal(accepted(cleanProduct({ ...base, description: `<p>Kink <b>resistant</b></p> a<${inside}>b` })).description, "Kink resistant a b");
      assert.equal(accepted(cleanProduct({ ...base, description: `a<${inside}x>b` })).description, `a<${inside}x>b`);
      assert.equal(accepted(cleanProduct({ ...base, description: "1 << 2 <<a> c" })).description, "1 c");
      assert.equal(accepted(cleanProduct({ ...base, description: "a < b, c > d" })).description, "a d");
      assert.equal(accepted(cleanProduct({ ...base, description: "x <unclosed" })).description, "x <unclosed");
    });

    it("decodes common entities and collapses whitespace", () => {
      assert.equal(accepted(cleanProduct({ ...base, title: " Nuts&nbsp;&amp; bolts\t\n&quot;M8&quot; &#39;&lt;&gt;  &copy; " })).title, `Nuts & bolts "M8" '<> &copy;`);
    });
  });

  describe("a document nested 100,000 levels deep", () => {
    const json = deeplyNestedJson(100_000);

    it("is rejected with a clear problem, not a stack overflow", () => {
      const record = JSON.parse(`{"id":"deep","title":"Deep","notes":${json}}`) as RawRecord;
      const result = cleanProduct(record);
      assert.deepEqual(result, { ok: false, id: "deep", problems: ["document must not nest deeper than 32 levels"] });
    });

    it("is rejected when the nesting is in attributes too", () => {
      const record = JSON.parse(`{"id":"deep","title":"Deep","attributes":{"a":[${"[".repeat(100_000)}${"]".repeat(100_000)}]}}`) as RawRecord;
      assert.deepEqual(problemsOf(cleanProduct(record)), ["document must not nest deeper than 32 levels"]);
    });

    it("still hashes, without recursion", () => {
      const notes = JSON.parse(json) as unknown;
      const hash = contentHash({ id: "deep", title: "Deep", extra: { notes } });
      assert.match(hash, /^[0-9a-f]{64}$/);
      assert.equal(contentHash({ extra: { notes }, title: "Deep", id: "deep" }), hash);
    });
  });

  describe("contentHash", () => {
    it("equals the hash of the recursive version on the sample catalog, so stored hashes stay valid", () => {
      let compared = 0;
      for (const record of generateSampleCatalog({ count: 300 })) {
        const result = cleanProduct({ ...record, notes: { b: [1, null, { d: "x", c: [true, 2.5] }], a: "é\u2028\"" } });
        const product = accepted(result);
        assert.equal(contentHash(product), sha256(recursiveStableStringify(product)));
        compared++;
      }
      assert.equal(compared, 300);
    });

    it("equals the recursive version on values JSON cannot show", () => {
      const odd = { id: "x", title: "t", extra: { list: [1, undefined, null, "s", [], {}], missing: undefined, nan: Number.NaN } } as Product;
      assert.equal(contentHash(odd), sha256(recursiveStableStringify(odd)));
    });

    it("does not depend on key order", () => {
      assert.equal(contentHash({ id: "a", title: "b", attributes: { x: "1", y: "2" } }), contentHash({ attributes: { y: "2", x: "1" }, title: "b", id: "a" }));
    });
  });
});
