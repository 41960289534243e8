import { LRUCache } from "lru-cache";
import { type OpenSearchGateway } from "../opensearch";
import { type Candidate, type CandidateNeeds, type DocVersion } from "./candidate";
import { EMBEDDING_FIELD } from "./retriever-hits";

export interface CandidateDetailsOptions {
  gateway: OpenSearchGateway;
  /** Documents' details kept in process (each ≈ the feature fields and a 64-d vector). @defaultValue 20000 */
  cacheSize?: number;
}

interface Details {
  readonly fields: Readonly<Record<string, unknown>>;
  readonly embedding?: Float32Array;
}

/**
 * The fields and vectors later stages need on each candidate, read by id in ONE `_mget` for the
 * documents not in an in-process LRU. Retrieval searches then return ids only (doc values): reading
 * `_source` for 200–300 hits of two or three 100-deep lists — each with a 64-d vector — cost OpenSearch
 * more than the searches themselves. The cache key holds the concrete index, the id and the version
 * search saw (`_seq_no`, `_primary_term`: never reused within an index), so a cached entry is exactly
 * that document version and needs no expiry; a write makes a new key.
 */
export class CandidateDetails {
  readonly #gateway: OpenSearchGateway;
  readonly #cache: LRUCache<string, Details>;

  constructor(options: CandidateDetailsOptions) {
    const cacheSize = options.cacheSize ?? 20_000;
    if (!(Number.isInteger(cacheSize) && cacheSize > 0)) throw new RangeError(`cacheSize must be a positive integer, got ${cacheSize}`);
    this.#gateway = options.gateway;
    this.#cache = new LRUCache({ max: cacheSize });
  }

  /**
   * The candidates with `needs` filled in (fields present in the document, the vector when asked for
   * and stored). A candidate whose document is gone by the time of the read keeps its place with no
   * fields. @throws OpenSearchError when the `_mget` fails
   */
  async fill(candidates: readonly Candidate[], needs: CandidateNeeds, timeoutMs: number): Promise<Candidate[]> {
    if (needs.fields.length === 0 && !needs.embedding) return [...candidates];
    const includes = [...needs.fields.filter((f) => f !== EMBEDDING_FIELD), ...(needs.embedding ? [EMBEDDING_FIELD] : [])];
    const needsKey = `${includes.join(",")}\u0000`;
    const keyOf = (index: string, id: string, version: DocVersion | undefined) =>
      version ? `${needsKey}${index}\u0000${id}\u0000${version.seqNo}\u0000${version.primaryTerm}` : undefined;
    const found = new Map<Candidate, Details>();
    const misses: Candidate[] = [];
    for (const candidate of candidates) {
      const key = keyOf(candidate.index, candidate.id, candidate.version);
      const cached = key === undefined ? undefined : this.#cache.get(key);
      if (cached) found.set(candidate, cached);
      else misses.push(candidate);
    }
    if (misses.length > 0) {
      // realtime: false reads what search saw (the last refresh), as the page stage does.
      const docs = await this.#gateway.mget(
        misses.map((c) => ({ _index: c.index, _id: c.id })),
        { timeoutMs, retries: 0, querystring: { _source_includes: includes.join(","), realtime: false } },
      );
      misses.forEach((candidate, i) => {
        const doc = docs[i];
        const details = doc?.found ? detailsOf(doc._source ?? {}, needs) : { fields: {} };
        found.set(candidate, details);
        // Cached only when it is the very version search saw (a write between the two reads makes them differ).
        const key = keyOf(candidate.index, candidate.id, candidate.version);
        const read = doc?.found && doc._seq_no !== undefined && doc._primary_term !== undefined ? { seqNo: doc._seq_no, primaryTerm: doc._primary_term } : undefined;
        if (key !== undefined && read && read.seqNo === candidate.version?.seqNo && read.primaryTerm === candidate.version.primaryTerm) this.#cache.set(key, details);
      });
    }
    return candidates.map((candidate) => {
      const details = found.get(candidate) ?? { fields: {} };
      return { ...candidate, fields: details.fields, ...(details.embedding ? { embedding: details.embedding } : {}) };
    });
  }
}

/** The declared fields a document has, and its vector as Float32Array when asked for. */
function detailsOf(source: Record<string, unknown>, needs: CandidateNeeds): Details {
  const fields: Record<string, unknown> = {};
  for (const field of needs.fields) if (field !== EMBEDDING_FIELD && source[field] !== undefined) fields[field] = source[field];
  const vector = needs.embedding ? source[EMBEDDING_FIELD] : undefined;
  return Array.isArray(vector) ? { fields, embedding: Float32Array.from(vector as number[]) } : { fields };
}
