import { readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { loadEmbedder, type Embedder, type EmbedderOptions } from "./embedder";
import { ModelUnavailableError } from "./errors";
import { EMBEDDINGS_KIND, MODEL_KINDS, type ModelKind } from "./model-manifest";
import { MANIFEST_FILE } from "./model-store";

/**
 * Layout of the models folder: `<modelsDir>/<name>/<version>/manifest.json`, and per name an `ACTIVE`
 * file holding the promoted version. `name` is the model kind's folder (`embeddings`, `reranker`, …).
 */
export const ACTIVE_FILE = "ACTIVE";
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export interface ModelListing {
  name: string;
  version: string;
  kind: string;
  active: boolean;
  dir: string;
  createdAt?: string;
  dimension?: number;
  /** The manifest's `metrics`, as written by the trainer. */
  metrics?: Record<string, unknown>;
}

function checkName(what: string, value: string): void {
  if (!SAFE_NAME.test(value)) throw new Error(`bad model ${what} "${value}": letters, digits, ".", "_" and "-" only`);
}

export function modelVersionDir(modelsDir: string, name: string, version: string): string {
  checkName("name", name);
  checkName("version", version);
  return join(modelsDir, name, version);
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** The promoted version of `name`, or null when none is promoted. */
export async function activeVersion(modelsDir: string, name: string): Promise<string | null> {
  checkName("name", name);
  try {
    const version = (await readFile(join(modelsDir, name, ACTIVE_FILE), "utf8")).trim();
    return version === "" ? null : version;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

/** Every model version under `modelsDir`, newest first within a name; unreadable manifests are listed with kind "unknown". */
export async function listModels(modelsDir: string): Promise<ModelListing[]> {
  if (!(await isDirectory(modelsDir))) return [];
  const out: ModelListing[] = [];
  for (const name of (await readdir(modelsDir)).sort()) {
    if (!SAFE_NAME.test(name) || !(await isDirectory(join(modelsDir, name)))) continue;
    const active = await activeVersion(modelsDir, name);
    const versions: ModelListing[] = [];
    for (const version of await readdir(join(modelsDir, name))) {
      const dir = join(modelsDir, name, version);
      if (!SAFE_NAME.test(version) || !(await isDirectory(dir))) continue;
      let manifest: Record<string, unknown> = {};
      try {
        manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), "utf8")) as Record<string, unknown>;
      } catch {
        // Listed anyway, so a broken version is visible rather than silently missing.
      }
      versions.push({
        name,
        version,
        kind: typeof manifest.kind === "string" ? manifest.kind : "unknown",
        active: version === active,
        dir,
        ...(typeof manifest.createdAt === "string" ? { createdAt: manifest.createdAt } : {}),
        ...(typeof manifest.dimension === "number" ? { dimension: manifest.dimension } : {}),
        ...(manifest.metrics && typeof manifest.metrics === "object" ? { metrics: manifest.metrics as Record<string, unknown> } : {}),
      });
    }
    versions.sort((a, b) => (b.createdAt ?? b.version).localeCompare(a.createdAt ?? a.version));
    out.push(...versions);
  }
  return out;
}

function isModelKind(name: string): name is ModelKind {
  return (MODEL_KINDS as readonly string[]).includes(name);
}

/**
 * Makes `version` the active one for `name` (atomically: write a temp file, rename). Under a known
 * kind's folder (`embeddings`, `reranker`) the version's manifest must be of that kind, so a reranker
 * can never become the active embeddings model. @throws ModelUnavailableError when the version has no manifest or the wrong kind.
 */
export async function promoteModel(modelsDir: string, name: string, version: string): Promise<void> {
  const dir = modelVersionDir(modelsDir, name, version);
  const manifestPath = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(manifestPath, "utf8");
  } catch {
    throw new ModelUnavailableError(`no model ${name} version ${version} in ${modelsDir} (missing ${manifestPath})`);
  }
  if (isModelKind(name)) {
    let kind: unknown;
    try {
      kind = (JSON.parse(text) as { kind?: unknown }).kind;
    } catch {
      throw new ModelUnavailableError(`cannot promote ${name} version ${version}: ${manifestPath} is not valid JSON`);
    }
    if (kind !== name) throw new ModelUnavailableError(`cannot promote ${name} version ${version}: its manifest says kind "${String(kind)}", not "${name}"`);
  }
  const target = join(modelsDir, name, ACTIVE_FILE);
  const staging = `${target}.tmp-${process.pid}`;
  await writeFile(staging, `${version}\n`);
  await rename(staging, target);
}

/** The promoted version's folder of `kind`, or null when none is promoted (the folder itself is not checked). */
export async function activeModelDir(modelsDir: string, kind: ModelKind): Promise<string | null> {
  const version = await activeVersion(modelsDir, kind);
  return version === null ? null : modelVersionDir(modelsDir, kind, version);
}

/** The promoted embeddings model, loaded and ready; null when none is promoted. @throws ModelUnavailableError when the promoted one cannot be loaded. */
export async function loadActiveEmbedder(modelsDir: string, options: EmbedderOptions = {}): Promise<Embedder | null> {
  const version = await activeVersion(modelsDir, EMBEDDINGS_KIND);
  if (version === null) return null;
  return loadEmbedder(modelVersionDir(modelsDir, EMBEDDINGS_KIND, version), options);
}
