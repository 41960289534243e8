import wabt from "wabt";

/** A WebAssembly text module compiled to its binary (SIMD enabled), validated. @throws Error naming the line when the text is not a valid module */
export async function compileWat(fileName: string, text: string): Promise<Uint8Array> {
  const tools = await wabt();
  const module = tools.parseWat(fileName, text, { simd: true });
  try {
    module.validate();
    return Uint8Array.from(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}

/** The TypeScript module that carries a compiled kernel: its bytes as base64, so src/ and dist/ load it alike. */
export function kernelModuleText(watFile: string, exportName: string, binary: Uint8Array): string {
  const base64 = Buffer.from(binary).toString("base64");
  const lines = base64.match(/.{1,100}/g) ?? [];
  return [
    `// Generated from ${watFile} by \`npm run build:kernel\` — do not edit; test/model/attention-kernel.test.ts checks it is current.`,
    `export const ${exportName} =`,
    ...lines.map((line, i) => `  "${line}"${i === lines.length - 1 ? ";" : " +"}`),
    "",
  ].join("\n");
}
