import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

let cachedRoot: string | undefined;

/** The package's root folder (holds package.json), whether running from src/ via tsx or from dist/. */
export function projectRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = __dirname;
  while (!existsSync(join(dir, "package.json")) || !existsSync(join(dir, "index-templates"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the project root above ${__dirname}`);
    dir = parent;
  }
  cachedRoot = dir;
  return dir;
}
