import { readFile, rename, writeFile } from "node:fs/promises";
import { z } from "zod";
import { type SidecarResults } from "./result-source";

const CacheFileSchema = z.strictObject({
  pipeline: z.string(),
  size: z.number().int().positive(),
  lists: z.array(z.tuple([z.string(), z.array(z.string())])),
});

/**
 * Loads a results cache file into `results` when the file exists: result lists of an earlier run, valid as
 * long as the index, the models and the sidecar's signals are those of that run (the caller's business).
 * @throws Error when the file was written for another pipeline or size, or is not a cache file
 */
export async function loadResultsCache(path: string, results: SidecarResults): Promise<number> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw err;
  }
  const parsed = CacheFileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${path} is not a results cache file (${parsed.error.issues[0]?.message ?? "invalid"})`);
  const { pipeline, size } = results.cacheKey;
  if (parsed.data.pipeline !== pipeline || parsed.data.size !== size) {
    throw new Error(`${path} holds ${parsed.data.pipeline} lists of ${parsed.data.size}; this run asks for ${pipeline} lists of ${size}`);
  }
  results.preload(parsed.data.lists);
  return parsed.data.lists.length;
}

/** Writes every cached list (atomically: a temporary file renamed over the old one). */
export async function saveResultsCache(path: string, results: SidecarResults): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify({ ...results.cacheKey, lists: results.cached() }));
  await rename(temporary, path);
}
