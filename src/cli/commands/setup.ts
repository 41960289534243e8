import { Command } from "commander";
import { loadConfig, type SidecarConfig } from "../../config";
import { activeVersion, EMBEDDINGS_KIND, modelVersionDir, readEmbeddingsManifest } from "../../model";
import { gatewayFromConfig, setupIndexes } from "../../opensearch";
import { note, positiveInt, printSummary } from "../output";

/** The promoted embedding model's dimension, else the configured one: the vector field must fit the model that fills it. */
async function embeddingDimension(config: SidecarConfig): Promise<number> {
  const version = await activeVersion(config.modelsDir, EMBEDDINGS_KIND);
  if (version === null) return config.embeddingDimension;
  const manifest = await readEmbeddingsManifest(modelVersionDir(config.modelsDir, EMBEDDINGS_KIND, version));
  note(`embedding dimension ${manifest.dimension}, from the promoted model ${version}`);
  return manifest.dimension;
}

/** `relevance setup`: index templates, versioned indexes and aliases; safe to run again. */
export function setupCommand(): Command {
  return new Command("setup")
    .description("install index templates and create the versioned indexes behind their aliases (idempotent)")
    .option("--opensearch-url <url>", "OpenSearch URL (env OPENSEARCH_URL)")
    .option("--dimension <n>", "embedding dimension (default: the promoted model's, else EMBEDDING_DIMENSION)", positiveInt("--dimension"))
    .action(async (flags: { opensearchUrl?: string; dimension?: number }) => {
      const config = loadConfig({
        ...(flags.opensearchUrl ? { opensearchUrl: flags.opensearchUrl } : {}),
        ...(flags.dimension ? { embeddingDimension: flags.dimension } : {}),
      });
      const dimension = flags.dimension ?? (await embeddingDimension(config));
      const gateway = gatewayFromConfig(config, { timeoutMs: 30_000 });
      try {
        const results = await setupIndexes(gateway, {
          aliases: { products: config.productsAlias, events: config.eventsAlias, profiles: config.profilesAlias },
          embeddingDimension: dimension,
        });
        printSummary({ indexes: results, embedding_dimension: dimension });
      } finally {
        await gateway.close();
      }
    });
}
