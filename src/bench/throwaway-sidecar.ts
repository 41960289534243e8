import { randomBytes, randomUUID } from "node:crypto";
import { type SidecarConfig } from "../config";
import { createSidecar, type Sidecar } from "../http";
import { SidecarClient } from "../client";
import { deleteIndexes, setupIndexes } from "../opensearch";
import { ActiveModels, type ServingEmbedder } from "../runtime";

/** Tries to delete the throw-away indexes. */
const CLEANUP_ATTEMPTS = 4;

/** A sidecar of the bench's own, listening on loopback, with a client holding a write key. */
export interface ThrowawaySidecar {
  readonly sidecar: Sidecar;
  readonly client: SidecarClient;
  readonly aliases: { products: string; events: string; profiles: string };
}

/**
 * Runs `work` against a sidecar on fresh throw-away aliases (set up with `dimension`) serving `embedder`
 * (null: no model), inside this process; the aliases' indexes are deleted afterwards, whatever happens.
 */
export async function withThrowawaySidecar<T>(
  config: SidecarConfig,
  embedder: ServingEmbedder | null,
  dimension: number,
  work: (run: ThrowawaySidecar) => Promise<T>,
): Promise<T> {
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const aliases = { products: `${prefix}-products`, events: `${prefix}-events`, profiles: `${prefix}-profiles` };
  // A key of this run's own, so the bench writes whatever API_KEYS and ANONYMOUS_SCOPE say.
  const apiKey = randomBytes(24).toString("base64url");
  // The sidecar only borrows the embedder: nothing here replaces or disposes it.
  const sidecar = createSidecar(
    {
      ...config,
      port: 0,
      host: "127.0.0.1",
      // The bench's own client shares this process's event loop: shedding by loop delay would measure the bench.
      maxEventLoopDelayMs: 0,
      productsAlias: aliases.products,
      eventsAlias: aliases.events,
      profilesAlias: aliases.profiles,
      apiKeys: [...config.apiKeys, { key: apiKey, scope: "write" }],
    },
    { models: new ActiveModels({ embedder }) },
  );
  await setupIndexes(sidecar.gateway, { aliases, embeddingDimension: dimension });
  try {
    const port = await sidecar.listen();
    // One try per request, no deadline to speak of: the bench measures what the sidecar does, failures included.
    const client = new SidecarClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey, tries: 1, timeoutMs: 600_000 });
    return await work({ sidecar, client, aliases });
  } finally {
    await removeIndexes(sidecar, aliases);
    await sidecar.close();
  }
}

/** Deletes the throw-away indexes, trying again on a busy cluster (a DELETE that timed out may still have run; repeating it is safe). */
async function removeIndexes(sidecar: Sidecar, aliases: ThrowawaySidecar["aliases"]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await deleteIndexes(sidecar.gateway, aliases);
      return;
    } catch (err) {
      if (attempt >= CLEANUP_ATTEMPTS) throw err;
      await new Promise((resolve) => setTimeout(resolve, 5000));
    }
  }
}
