import { RERANKER_KIND } from "../model-manifest";
import { activeModelDir } from "../model-registry";
import { loadReranker, type Reranker, type RerankerOptions } from "./reranker-scorer";

/**
 * The promoted reranker (`<modelsDir>/reranker/ACTIVE`), loaded and ready; null when none is promoted.
 * @throws ModelUnavailableError (a ModelFormatError naming the folder and the problem) when the promoted version cannot be loaded.
 */
export async function loadActiveReranker(modelsDir: string, options: RerankerOptions = {}): Promise<Reranker | null> {
  const dir = await activeModelDir(modelsDir, RERANKER_KIND);
  return dir === null ? null : loadReranker(dir, options);
}
