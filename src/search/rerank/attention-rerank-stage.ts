import { type CandidateExplanation, type Reranker, type RerankList } from "../../model";
import { type Candidate, type CandidateNeeds } from "../candidate";
import { type SearchContext } from "../search-context";
import { type ExplainValue, type HitExplain } from "../search-response";
import { type RankedCandidate, type Reranked, type RerankStage } from "../search-stage";
import { projectRows } from "./candidate-features";
import { RERANK_CANDIDATE_NEEDS } from "./feature-list";
import { type RerankBatcher } from "./rerank-batcher";
import { type RerankInputs, type RerankInputsBuilder } from "./rerank-inputs";
import { StageTimeoutError, withTimeout } from "./with-timeout";

export interface AttentionRerankStageOptions {
  /** The re-ranker served right now (it changes on a promotion / SIGHUP), or null. */
  reranker: () => Reranker | null;
  /** The inference backend the runtime chose at start-up (reported when the model runs on TensorFlow.js). @defaultValue () => null */
  backend?: () => string | null;
  builder: RerankInputsBuilder;
  batcher: RerankBatcher;
  /** Longest the model may take, within what is left of the deadline. */
  modelTimeoutMs: number;
  /** Deadline left for the page stage after the model (the `_mget` of the page's sources). @defaultValue 100 */
  pageReserveMs?: number;
}

/**
 * The attention re-ranker of `rerank` and `personal`: features, profile and history (personal with a
 * user only; otherwise the same model with an empty history), one micro-batched model call, the
 * candidates reordered. Never fails the search: no model, a late or failing model → retrieval order;
 * Redis down → no profile or signals; each says why in `rerank.degraded`.
 */
export class AttentionRerankStage implements RerankStage {
  readonly kind = "rerank" as const;
  readonly name = "attention-rerank";
  readonly needs: CandidateNeeds = RERANK_CANDIDATE_NEEDS;
  readonly #options: AttentionRerankStageOptions;
  readonly #pageReserveMs: number;

  constructor(options: AttentionRerankStageOptions) {
    if (!(options.modelTimeoutMs > 0)) throw new RangeError(`modelTimeoutMs must be positive, got ${options.modelTimeoutMs}`);
    this.#options = options;
    this.#pageReserveMs = options.pageReserveMs ?? 100;
  }

  /** Starts the Redis reads that do not need the candidates, so they overlap retrieval. */
  prepare(context: SearchContext): void {
    if (this.#options.reranker()) this.#options.builder.prepare(context, isPersonal(context));
  }

  async rerank(context: SearchContext, candidates: readonly Candidate[]): Promise<Reranked> {
    const { diagnostics } = context;
    const reranker = this.#options.reranker();
    const retrievalOrder = (): RankedCandidate[] => candidates.map((candidate) => ({ candidate, score: candidate.score }));
    if (!reranker) {
      diagnostics.degrade(this.name, "reranker_unavailable", "no re-ranker model is promoted; answered in retrieval order");
      return { ranked: retrievalOrder(), info: { model: null, version: null, backend: null } };
    }
    const info = { model: reranker.name, version: reranker.version, backend: reranker.inference === "js" ? "js" : (this.#options.backend?.() ?? "tfjs") };
    if (candidates.length === 0) return { ranked: [], info };

    const inputs = await this.#options.builder.build(context, candidates, { personal: isPersonal(context) });
    for (const d of inputs.degradations) diagnostics.degrade(this.name, d.reason, d.message);
    const list = modelList(reranker, inputs, candidates);
    const explain = context.request.explain;
    const budget = context.deadline.remainingMs() - this.#pageReserveMs;
    try {
      if (budget <= 0) throw new StageTimeoutError("no time was left for the model");
      const scored = withTimeout(this.#options.batcher.score(reranker, list, explain), Math.min(this.#options.modelTimeoutMs, budget), "the re-ranker model");
      const result = await diagnostics.time(`${this.name}/model`, () => scored);
      const ranked = result.order.map((i): RankedCandidate => {
        const score = result.scores[i] as number;
        const why = result.explanations?.[i];
        return { candidate: candidates[i] as Candidate, score, ...(explain ? { explain: hitExplain(score, why, inputs) } : {}) };
      });
      return { ranked, info };
    } catch (err) {
      if (err instanceof StageTimeoutError) {
        diagnostics.degrade(this.name, "reranker_late", `the re-ranker ${reranker.name}@${reranker.version} was late (${err.message}); answered in retrieval order`);
      } else {
        diagnostics.degrade(this.name, "reranker_failed", `the re-ranker ${reranker.name}@${reranker.version} failed (${err instanceof Error ? err.message : String(err)}); answered in retrieval order`);
      }
      return { ranked: retrievalOrder(), info };
    }
  }
}

/** `personal` with a user: the model attends over the user's profile. */
function isPersonal(context: SearchContext): boolean {
  return context.request.pipeline === "personal" && context.userKey !== null;
}

/** The model's list: features in its schema's order, vectors only where they fit its dimension. */
function modelList(reranker: Reranker, inputs: RerankInputs, candidates: readonly Candidate[]): RerankList {
  const d = reranker.shape.dimension;
  const fit = (v: Float32Array | null | undefined) => (v && v.length === d ? v : null);
  const rows = projectRows(inputs.rows, reranker.featureNames);
  return {
    queryEmbedding: fit(inputs.queryEmbedding),
    candidates: candidates.map((c, i) => ({ features: rows[i] as ArrayLike<number>, embedding: fit(c.embedding) })),
    history: inputs.history.map((h) => ({ embedding: fit(h.embedding), weight: h.weight })),
  };
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

/** The re-ranker's part of a hit's explain: its score, the feature contributions (largest first) and the history items attended to most. */
function hitExplain(score: number, why: CandidateExplanation | undefined, inputs: RerankInputs): HitExplain {
  const out: Record<string, ExplainValue> = { rerank: round(score) };
  if (!why) return out;
  const features = [...why.features].sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
  out.features = Object.fromEntries(features.map((f) => [f.name, round(f.contribution)]));
  out.personal = Object.fromEntries(Object.entries(why.personal).map(([term, c]) => [term, round(c.contribution)]));
  out.bias = round(why.bias);
  out.context = round(why.context);
  out.attended = why.attended.map((a) => ({ item_id: inputs.history[a.index]?.itemId ?? null, weight: round(a.weight) }));
  return out;
}
