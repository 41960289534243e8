import { Command } from "commander";
import { loadConfig } from "../../config";
import { OpenSearchGateway, setupIndexes } from "../../opensearch";
import { printSummary } from "../output";

/** `relevance setup`: index templates, versioned indexes and aliases; safe to run again. */
export function setupCommand(): Command {
  return new Command("setup")
    .description("install index templates and create the versioned indexes behind their aliases (idempotent)")
    .option("--opensearch-url <url>", "OpenSearch URL (env OPENSEARCH_URL)")
    .option("--dimension <n>", "embedding dimension (default: the config's EMBEDDING_DIMENSION)")
    .action(async (flags: { opensearchUrl?: string; dimension?: string }) => {
      const config = loadConfig({
        ...(flags.opensearchUrl ? { opensearchUrl: flags.opensearchUrl } : {}),
        ...(flags.dimension ? { embeddingDimension: Number(flags.dimension) } : {}),
      });
      const gateway = new OpenSearchGateway({ url: config.opensearchUrl, username: config.opensearchUsername, password: config.opensearchPassword, timeoutMs: 30_000 });
      try {
        const results = await setupIndexes(gateway, {
          aliases: { products: config.productsAlias, events: config.eventsAlias, profiles: config.profilesAlias },
          embeddingDimension: config.embeddingDimension,
        });
        printSummary({ indexes: results });
      } finally {
        await gateway.close();
      }
    });
}
