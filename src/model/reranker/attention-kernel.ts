import { ATTENTION_KERNEL_WASM_BASE64 } from "./attention-kernel-wasm";

/** What attention-kernel.wat exports (addresses in bytes). */
interface KernelExports {
  readonly memory: WebAssembly.Memory;
  matmul(a: number, b: number, out: number, n: number, k: number, m: number, relu: number): void;
  listwise(q: number, qStride: number, kt: number, values: number, out: number, row: number, n: number, a: number, n4: number): void;
}

const PAGE_FLOATS = 65536 / 4;

let compiled: WebAssembly.Module | undefined;

/** The kernel module, compiled once per process (≈ 1.5 kB: synchronous compilation is fine). */
function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(Buffer.from(ATTENTION_KERNEL_WASM_BASE64, "base64"));
  return compiled;
}

function isKernelExports(exports: WebAssembly.Exports): exports is WebAssembly.Exports & KernelExports {
  return exports.memory instanceof WebAssembly.Memory && typeof exports.matmul === "function" && typeof exports.listwise === "function";
}

/** `n` rounded up to a whole SIMD vector of four floats. */
export function fourLanes(n: number): number {
  return (n + 3) & ~3;
}

/**
 * Float regions of the kernel's memory, laid out one after another, each starting on a 16-byte
 * boundary (a whole SIMD vector). Offsets are in floats.
 */
export class KernelLayout {
  #end: number;

  constructor(start = 0) {
    this.#end = fourLanes(start);
  }

  /** A region of `floats` floats: its offset. */
  take(floats: number): number {
    const at = this.#end;
    this.#end = fourLanes(at + floats);
    return at;
  }

  /** Floats the regions taken so far need. */
  get end(): number {
    return this.#end;
  }
}

/**
 * One instance of the attention re-ranker's WebAssembly SIMD kernel (attention-kernel.wat) with its own
 * memory. Callers lay their operands out in `reserve`'s view (offsets in floats, matrices row-major,
 * 4-float aligned, see {@link KernelLayout}) and call the kernels on those offsets. Not re-entrant: one
 * call at a time, which the single JS thread gives.
 */
export class AttentionKernel {
  readonly #exports: KernelExports;
  #floats: Float32Array;

  constructor() {
    const exports = new WebAssembly.Instance(kernelModule(), {}).exports;
    if (!isKernelExports(exports)) throw new Error("the attention kernel does not export memory, matmul and listwise");
    this.#exports = exports;
    this.#floats = new Float32Array(exports.memory.buffer);
  }

  /**
   * The memory as floats, grown to hold at least `floats` floats. Take the view after the last
   * `reserve` of a call: growing detaches the views taken before.
   */
  reserve(floats: number): Float32Array {
    const have = this.#exports.memory.buffer.byteLength / 4;
    if (floats > have) this.#exports.memory.grow(Math.ceil((floats - have) / PAGE_FLOATS));
    if (this.#floats.buffer !== this.#exports.memory.buffer) this.#floats = new Float32Array(this.#exports.memory.buffer);
    return this.#floats;
  }

  /** out (n×m) = a (n×k) · b (k×m), then max(·, 0) when `relu`; m a multiple of 4. */
  matmul(a: number, b: number, out: number, n: number, k: number, m: number, relu = false): void {
    if (m % 4 !== 0) throw new RangeError(`matmul: m must be a multiple of 4, got ${m}`);
    this.#exports.matmul(a * 4, b * 4, out * 4, n, k, m, relu ? 1 : 0);
  }

  /**
   * out[c] = Σ_o softmax_o(q_c·k_o)·values[o] for the n rows c: q's rows are `a` floats every `qStride`
   * floats (pre-scaled), `kt` the keys transposed (a × fourLanes(n), padding columns 0), `values` and the
   * `row` scratch fourLanes(n) floats (values' padding 0).
   */
  listwise(q: number, qStride: number, kt: number, values: number, out: number, row: number, n: number, a: number): void {
    this.#exports.listwise(q * 4, qStride, kt * 4, values * 4, out * 4, row * 4, n, a, fourLanes(n));
  }
}
