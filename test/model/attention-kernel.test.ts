import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compileWat, kernelModuleText } from "../../scripts/lib/compile-wat";
import { projectRoot } from "../../src/config";
import { AttentionKernel, fourLanes, KernelLayout } from "../../src/model/reranker/attention-kernel";
import { Rng } from "../../src/model/rng";

const folder = join(projectRoot(), "src", "model", "reranker");

/** Float32 sums of `terms` products of values in [−1, 1]: a few ulps of their magnitude. */
const TOLERANCE = 1e-5;

function randomFloats(rng: Rng, length: number, scale = 1): Float64Array {
  return Float64Array.from({ length }, () => (rng.next() * 2 - 1) * scale);
}

describe("the attention re-ranker's WebAssembly kernel", () => {
  const rng = new Rng(11);

  it("is the compiled attention-kernel.wat: attention-kernel-wasm.ts is current (npm run build:kernel)", async () => {
    const binary = await compileWat("attention-kernel.wat", readFileSync(join(folder, "attention-kernel.wat"), "utf8"));
    const expected = kernelModuleText("attention-kernel.wat", "ATTENTION_KERNEL_WASM_BASE64", binary);
    assert.equal(readFileSync(join(folder, "attention-kernel-wasm.ts"), "utf8"), expected, "run npm run build:kernel and commit the result");
  });

  for (const [n, k, m] of [
    [1, 1, 4],
    [7, 13, 12],
    [5, 64, 20],
    [33, 44, 36],
  ] as const) {
    for (const relu of [false, true]) {
      it(`matmul equals the float64 product within float32 rounding: ${n}×${k} · ${k}×${m}${relu ? ", then ReLU" : ""}`, () => {
        const a = randomFloats(rng, n * k);
        const b = randomFloats(rng, k * m);
        const kernel = new AttentionKernel();
        const layout = new KernelLayout();
        const [aAt, bAt, outAt] = [layout.take(n * k), layout.take(k * m), layout.take(n * m)];
        const memory = kernel.reserve(layout.end);
        memory.set(a, aAt);
        memory.set(b, bAt);
        kernel.matmul(aAt, bAt, outAt, n, k, m, relu);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < m; j++) {
            let s = 0;
            for (let z = 0; z < k; z++) s += Math.fround(a[i * k + z] as number) * Math.fround(b[z * m + j] as number);
            if (relu) s = Math.max(s, 0);
            assert.ok(Math.abs((memory[outAt + i * m + j] as number) - s) <= TOLERANCE * Math.max(1, Math.abs(s)), `out[${i}, ${j}] = ${memory[outAt + i * m + j]}, expected ${s}`);
          }
        }
      });
    }
  }

  it("refuses a product whose columns are not whole SIMD vectors", () => {
    assert.throws(() => new AttentionKernel().matmul(0, 0, 0, 1, 1, 6), /m must be a multiple of 4, got 6/);
  });

  for (const [n, a, scale] of [
    [1, 8, 1],
    [5, 16, 1],
    [37, 16, 1],
    [64, 4, 1],
    [23, 8, 30],
  ] as const) {
    it(`listwise equals the float64 softmax-weighted sums: ${n} candidates, ${a}-wide queries${scale > 1 ? ", logits hundreds apart" : ""}`, () => {
      const qStride = a + 3;
      const n4 = fourLanes(n);
      const q = randomFloats(rng, n * qStride, scale);
      const keys = randomFloats(rng, n * a, scale);
      const values = randomFloats(rng, n);
      const kernel = new AttentionKernel();
      const layout = new KernelLayout();
      const [qAt, ktAt, valuesAt, outAt, rowAt] = [layout.take(n * qStride), layout.take(a * n4), layout.take(n4), layout.take(n4), layout.take(n4)];
      const memory = kernel.reserve(layout.end);
      memory.set(q, qAt);
      memory.fill(0, ktAt, ktAt + a * n4);
      for (let o = 0; o < n; o++) for (let z = 0; z < a; z++) memory[ktAt + z * n4 + o] = keys[o * a + z] as number;
      memory.fill(0, valuesAt, valuesAt + n4);
      memory.set(values, valuesAt);
      kernel.listwise(qAt, qStride, ktAt, valuesAt, outAt, rowAt, n, a);
      for (let c = 0; c < n; c++) {
        const logits = Array.from({ length: n }, (_, o) => {
          let s = 0;
          for (let z = 0; z < a; z++) s += Math.fround(q[c * qStride + z] as number) * Math.fround(keys[o * a + z] as number);
          return s;
        });
        const max = Math.max(...logits);
        const p = logits.map((l) => Math.exp(l - max));
        const total = p.reduce((s, x) => s + x, 0);
        const expected = p.reduce((s, x, o) => s + x * Math.fround(values[o] as number), 0) / total;
        const actual = memory[outAt + c] as number;
        // Logits hundreds apart: float32 logits carry ≈ 1e-5 of absolute error, which e^x turns into relative error of the weights.
        const tolerance = scale > 1 ? 1e-3 : TOLERANCE;
        assert.ok(Number.isFinite(actual) && Math.abs(actual - expected) <= tolerance, `candidate ${c}: ${actual}, expected ${expected}`);
      }
    });
  }

  it("grows its memory for operands beyond the first page, and a view taken after the growth sees them", () => {
    const kernel = new AttentionKernel();
    const before = kernel.reserve(0).length;
    const layout = new KernelLayout(before);
    const [aAt, bAt, outAt] = [layout.take(4), layout.take(16), layout.take(4)];
    const memory = kernel.reserve(layout.end);
    assert.ok(memory.length >= layout.end && memory.length > before);
    memory.set([1, 2, 3, 4], aAt);
    memory.set([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], bAt);
    kernel.matmul(aAt, bAt, outAt, 1, 4, 4);
    assert.deepEqual([...kernel.reserve(0).subarray(outAt, outAt + 4)], [1, 2, 3, 4]);
  });

  it("lays regions out on whole SIMD vectors", () => {
    const layout = new KernelLayout(3);
    assert.deepEqual([layout.take(5), layout.take(1), layout.take(8)], [4, 12, 16]);
    assert.equal(layout.end, 24);
  });
});
