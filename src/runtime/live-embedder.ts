import { type Redis } from "ioredis";
import { type Logger } from "pino";
import { type Product } from "../indexing";
import { ALIAS_SWAP_CHANNEL, announcedAlias, indexModelVersion } from "../jobs";
import { EMBEDDINGS_KIND, loadEmbedder, modelVersionDir, type EmbedderOptions } from "../model";
import { indexesBehindAlias, type OpenSearchGateway } from "../opensearch";
import { releaseLater } from "./release-later";
import { type ServingEmbedder } from "./served-models";

export interface LiveEmbedderOptions {
  gateway: OpenSearchGateway;
  /** The products alias whose live index decides the served version. */
  alias: string;
  /** Where every embedding model version lives (MODELS_DIR). */
  modelsDir: string;
  logger: Logger;
  /** The promoted embedder: served when the live index's version is unknown (no `_meta`, no documents), and reused when it is that version. */
  promoted: () => ServingEmbedder | null;
  /** Loads an embedding model version by number. @defaultValue `loadEmbedder` of `MODELS_DIR/embeddings/VERSION` */
  load?: (version: string) => Promise<ServingEmbedder>;
  /** How the default `load` loads a version (e.g. with product embedding threads). @defaultValue {} */
  embedderOptions?: EmbedderOptions;
  /** How often the alias is re-read. @defaultValue 5000 */
  refreshMs?: number;
  /** A connection to duplicate for the swap announcements (ALIAS_SWAP_CHANNEL). @defaultValue none: periodic checks only */
  redis?: Redis;
}

/** What is served until the next switch: one concrete index and the model its vectors were made with. */
interface LiveState {
  index: string;
  /** Null when the index says nothing: the promoted model is served, on the alias. */
  version: string | null;
  /** The model loaded for `version` when it is not the promoted one. */
  loaded: ServingEmbedder | null;
  bound: Map<ServingEmbedder, ServingEmbedder>;
}

/**
 * The embedder `serve` answers queries with and enriches new writes with: the version the products
 * alias's live index carries (`_meta.model_version`, written by a reindex; for an index made by
 * `relevance setup`, the one version its documents carry), not the promoted one — the promoted version
 * is what a reindex builds towards, and it becomes the served one when the alias is swapped onto it.
 *
 * The embedder handed out is bound to the concrete index (`index`), so a search embeds and retrieves
 * against the same index even while the alias moves. The alias is re-read every `refreshMs` and at once
 * when a swap is announced on Redis; the new version is loaded before the switch (until then the old
 * index, kept for rollback, keeps answering with the old model).
 */
export class LiveEmbedder {
  readonly #options: LiveEmbedderOptions;
  readonly #load: (version: string) => Promise<ServingEmbedder>;
  #state: LiveState | null = null;
  #timer: NodeJS.Timeout | null = null;
  #subscriber: Redis | null = null;
  #refreshing: Promise<void> | null = null;
  #again = false;

  constructor(options: LiveEmbedderOptions) {
    const refreshMs = options.refreshMs ?? 5000;
    if (!Number.isInteger(refreshMs) || refreshMs < 100) throw new RangeError(`live index refresh must be an integer of at least 100 ms, got ${refreshMs}`);
    if (options.alias.trim() === "") throw new RangeError("live embedder needs the products alias");
    this.#options = { ...options, refreshMs };
    this.#load = options.load ?? ((version) => loadEmbedder(modelVersionDir(options.modelsDir, EMBEDDINGS_KIND, version), options.embedderOptions));
  }

  /** The embedder to use now, bound to the live index; the promoted one (on the alias) while the version is unknown. */
  current(): ServingEmbedder | null {
    const state = this.#state;
    const promoted = this.#options.promoted();
    if (!state || state.version === null) return promoted;
    const model = promoted?.version === state.version ? promoted : state.loaded;
    if (!model) return null;
    let bound = state.bound.get(model);
    if (!bound) {
      bound = new IndexBoundEmbedder(model, state.index);
      state.bound.set(model, bound);
    }
    return bound;
  }

  /** The live index and its version as last read (null before the first read). */
  live(): { index: string; version: string | null } | null {
    return this.#state ? { index: this.#state.index, version: this.#state.version } : null;
  }

  /** First read, then periodic reads and the announcements. Resolves after the first read (failures are logged). */
  async start(): Promise<void> {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.refresh(), this.#options.refreshMs);
    this.#timer.unref();
    if (this.#options.redis) {
      const subscriber = this.#options.redis.duplicate({ lazyConnect: false, enableOfflineQueue: true });
      this.#subscriber = subscriber;
      subscriber.on("error", (err: Error) => this.#options.logger.debug({ err }, "live index subscriber connection error"));
      subscriber.on("message", (_channel: string, message: string) => {
        if (announcedAlias(message) === this.#options.alias) void this.refresh();
      });
      subscriber.subscribe(ALIAS_SWAP_CHANNEL).catch((err: unknown) => this.#options.logger.warn({ err }, "cannot listen for alias swaps; following them every refresh"));
    }
    await this.refresh();
  }

  /** Re-reads the alias now; concurrent calls share one read (and one more runs after it if asked meanwhile). */
  async refresh(): Promise<void> {
    if (this.#refreshing) {
      this.#again = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      do {
        this.#again = false;
        await this.#read().catch((err: unknown) => this.#options.logger.warn({ err, alias: this.#options.alias }, "cannot read the live index; serving as before"));
      } while (this.#again);
    })().finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#subscriber?.disconnect();
    this.#subscriber = null;
    await this.#refreshing;
    this.#state?.loaded?.dispose?.();
  }

  async #read(): Promise<void> {
    const { gateway, alias, logger } = this.#options;
    const indexes = await indexesBehindAlias(gateway, alias);
    const index = indexes.length === 1 ? indexes[0] : undefined;
    const state = this.#state;
    if (index === undefined) {
      if (state !== null) logger.warn({ alias, indexes }, "the products alias does not point at one index; serving the promoted embedder");
      this.#switch(null);
      return;
    }
    // Only an index whose version is unknown is looked at again: a known one does not change (writes follow it).
    if (state && state.index === index && state.version !== null) return;
    const version = await indexModelVersion(gateway, index);
    if (state && state.index === index && state.version === version) return;
    const promoted = this.#options.promoted();
    const loaded = version === null || promoted?.version === version ? null : await this.#load(version);
    this.#switch({ index, version, loaded, bound: new Map() });
    logger.info({ alias, index, version: version ?? promoted?.version ?? null }, `serving queries and enrichment with the embeddings of ${index}`);
  }

  #switch(next: LiveState | null): void {
    const previous = this.#state?.loaded;
    this.#state = next;
    if (previous && previous !== next?.loaded) releaseLater(previous);
  }
}

/** A model bound to the concrete index whose vectors it made: searches go to that index, not the alias. */
class IndexBoundEmbedder implements ServingEmbedder {
  readonly correctQuery?: (text: string) => string;

  constructor(
    readonly model: ServingEmbedder,
    readonly index: string,
  ) {
    const correct = model.correctQuery?.bind(model);
    if (correct) this.correctQuery = correct;
  }

  get name(): string {
    return this.model.name;
  }

  get version(): string {
    return this.model.version;
  }

  get dimension(): number {
    return this.model.dimension;
  }

  embedQueries(texts: readonly string[]): Promise<Float32Array[]> {
    return this.model.embedQueries(texts);
  }

  embedProducts(products: readonly Product[]): Promise<Float32Array[]> {
    return this.model.embedProducts(products);
  }
}
