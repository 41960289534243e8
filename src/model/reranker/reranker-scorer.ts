import { resolveInferenceMode, type InferenceMode } from "../embedder";
import { ModelFailedError } from "../errors";
import { FastReranker } from "./fast-reranker";
import { FeatureNormalizer } from "./feature-schema";
import { rankOrder, type RerankResult } from "./rerank-explanation";
import { type RerankList } from "./rerank-inputs";
import { TfjsReranker } from "./reranker-graph";
import { type RerankerShape } from "./reranker-shape";
import { readReranker, type StoredReranker } from "./reranker-store";

export interface ScoreOptions {
  /** Per candidate: feature contributions and the most attended history items. @defaultValue false */
  explain?: boolean;
}

/** What the serving pipeline uses a re-ranker for. Build it with `loadReranker` or `loadActiveReranker`. */
export interface Reranker {
  readonly name: string;
  readonly version: string;
  readonly shape: RerankerShape;
  /** The raw features every candidate must carry, in this order. */
  readonly featureNames: readonly string[];
  /** "js" (the fast path: typed arrays and its WebAssembly SIMD kernel) or "tfjs" (the TensorFlow.js graph on the active backend). */
  readonly inference: "js" | "tfjs";
  /**
   * Scores several lists in one call (micro-batching: on tfjs they run as one padded batch). A list
   * with an empty or missing history is scored by the same model without the personal signal —
   * the non-personal `rerank` pipeline. @throws ModelFailedError when an input does not fit the model or the computation fails.
   */
  scoreLists(lists: readonly RerankList[], options?: ScoreOptions): Promise<RerankResult[]>;
  scoreList(list: RerankList, options?: ScoreOptions): Promise<RerankResult>;
  dispose(): void;
}

export interface RerankerOptions {
  /** @defaultValue "auto" (js on wasm/cpu; tfjs on native TensorFlow) */
  inference?: InferenceMode;
}

/** The trained attention re-ranker, ready to score. */
export class AttentionReranker implements Reranker {
  readonly name: string;
  readonly version: string;
  readonly shape: RerankerShape;
  readonly featureNames: readonly string[];
  readonly inference: "js" | "tfjs";
  private readonly fast: FastReranker;
  private readonly normalizer: FeatureNormalizer;
  private tfjsModel: TfjsReranker | null = null;
  private disposed = false;

  constructor(
    readonly model: StoredReranker,
    options: RerankerOptions = {},
  ) {
    this.name = model.manifest.name;
    this.version = model.manifest.version;
    this.shape = model.shape;
    this.featureNames = model.schema.features.map((f) => f.name);
    this.normalizer = new FeatureNormalizer(model.schema);
    this.fast = new FastReranker(model.weights, model.shape, this.normalizer);
    this.inference = resolveInferenceMode(options.inference);
  }

  async scoreLists(lists: readonly RerankList[], options: ScoreOptions = {}): Promise<RerankResult[]> {
    if (this.disposed) throw new ModelFailedError(`reranker ${this.name}@${this.version} was disposed`);
    const explain = options.explain ?? false;
    try {
      if (this.inference === "tfjs") {
        this.tfjsModel ??= new TfjsReranker(this.model.weights, this.model.shape, this.normalizer);
        const scores = await this.tfjsModel.score(lists);
        return lists.map((list, i) => {
          const s = scores[i] as Float32Array;
          // Explanations come from the fast path: the same math, and it exposes the intermediate values.
          const explanations = explain ? this.fast.score(list, true).explanations : undefined;
          return { scores: s, order: rankOrder(s), ...(explanations ? { explanations } : {}) };
        });
      }
      return lists.map((list) => {
        const { scores, explanations } = this.fast.score(list, explain);
        return { scores, order: rankOrder(scores), ...(explanations ? { explanations } : {}) };
      });
    } catch (err) {
      throw new ModelFailedError(`re-ranking with ${this.name}@${this.version} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  async scoreList(list: RerankList, options: ScoreOptions = {}): Promise<RerankResult> {
    const [result] = await this.scoreLists([list], options);
    return result as RerankResult;
  }

  dispose(): void {
    this.disposed = true;
    this.tfjsModel?.dispose();
    this.tfjsModel = null;
  }
}

/** Loads one reranker version folder and returns a ready scorer. @throws ModelUnavailableError (ModelFormatError) when the folder is not a valid reranker. */
export async function loadReranker(modelDir: string, options: RerankerOptions = {}): Promise<Reranker> {
  return new AttentionReranker(await readReranker(modelDir), options);
}
