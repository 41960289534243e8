import { UnknownPipelineError } from "../errors";
import { mergeCandidateNeeds, type CandidateNeeds } from "./candidate";
import { PIPELINES, type PipelineName } from "./search-request";
import { type PageStage, type RerankStage, type RetrieveStage, type SearchStage } from "./search-stage";

/** A pipeline: retrieve → (rerank) → page. */
export interface SearchPipeline {
  readonly name: PipelineName;
  readonly retrieve: RetrieveStage;
  /** Null when retrieval order is the final order (bm25, hybrid). */
  readonly rerank: RerankStage | null;
  readonly page: PageStage;
}

/** The stages in the order they run. */
export function stagesOf(pipeline: SearchPipeline): SearchStage[] {
  return [pipeline.retrieve, ...(pipeline.rerank ? [pipeline.rerank] : []), pipeline.page];
}

/** What the stages after retrieval need on each candidate: what the retrieve stage asks OpenSearch for. */
export function candidateNeedsOf(pipeline: SearchPipeline): CandidateNeeds {
  return mergeCandidateNeeds(...(pipeline.rerank ? [pipeline.rerank.needs] : []), pipeline.page.needs);
}

/** The stages the pipelines are declared from. */
export interface PipelineStages {
  /** BM25 alone, as deep as the requested page. */
  bm25Retrieve: RetrieveStage;
  /** BM25 and query kNN fused, `hybrid.candidates` deep. */
  hybridRetrieve: RetrieveStage;
  /** Candidates for `rerank`. @defaultValue `hybridRetrieve` */
  rerankRetrieve?: RetrieveStage;
  /** Candidates for `personal` (to gain the `personal_knn` retriever). @defaultValue `rerankRetrieve` */
  personalRetrieve?: RetrieveStage;
  /** The re-ranker of `rerank` and `personal` (today the {@link PlaceholderRerankStage}). */
  rerank: RerankStage;
  page: PageStage;
}

/** The one place the pipelines are declared. */
export function declarePipelines(stages: PipelineStages): SearchPipeline[] {
  const rerankRetrieve = stages.rerankRetrieve ?? stages.hybridRetrieve;
  return [
    { name: "bm25", retrieve: stages.bm25Retrieve, rerank: null, page: stages.page },
    { name: "hybrid", retrieve: stages.hybridRetrieve, rerank: null, page: stages.page },
    { name: "rerank", retrieve: rerankRetrieve, rerank: stages.rerank, page: stages.page },
    { name: "personal", retrieve: stages.personalRetrieve ?? rerankRetrieve, rerank: stages.rerank, page: stages.page },
  ];
}

/** Pipelines by name; exactly the names callers may ask for ({@link PIPELINES}). */
export class PipelineRegistry {
  readonly #pipelines: ReadonlyMap<string, SearchPipeline>;

  constructor(pipelines: readonly SearchPipeline[]) {
    const byName = new Map<string, SearchPipeline>();
    for (const pipeline of pipelines) {
      if (byName.has(pipeline.name)) throw new TypeError(`pipeline "${pipeline.name}" is declared twice`);
      byName.set(pipeline.name, pipeline);
    }
    const missing = PIPELINES.filter((name) => !byName.has(name));
    if (missing.length > 0) throw new TypeError(`pipelines not declared: ${missing.join(", ")}`);
    this.#pipelines = byName;
  }

  /** The pipeline called `name`; an {@link UnknownPipelineError} (400 UNKNOWN_PIPELINE) for any other name. */
  get(name: string): SearchPipeline {
    const pipeline = this.#pipelines.get(name);
    if (!pipeline) throw new UnknownPipelineError(`unknown pipeline "${name}"; known: ${this.names().join(", ")}`);
    return pipeline;
  }

  names(): PipelineName[] {
    return [...this.#pipelines.values()].map((p) => p.name);
  }
}
