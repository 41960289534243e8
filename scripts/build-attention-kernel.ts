/**
 * Compiles the attention re-ranker's WebAssembly kernel (src/model/reranker/attention-kernel.wat) into
 * src/model/reranker/attention-kernel-wasm.ts, the module the fast path loads.
 *
 *   npm run build:kernel
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compileWat, kernelModuleText } from "./lib/compile-wat";

const folder = join(__dirname, "..", "src", "model", "reranker");

async function main(): Promise<void> {
  const binary = await compileWat("attention-kernel.wat", readFileSync(join(folder, "attention-kernel.wat"), "utf8"));
  writeFileSync(join(folder, "attention-kernel-wasm.ts"), kernelModuleText("attention-kernel.wat", "ATTENTION_KERNEL_WASM_BASE64", binary));
  process.stdout.write(`attention-kernel-wasm.ts: ${binary.length} bytes of WebAssembly\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
