import { type ConfigOverrides } from "../../src/config";
import { createSidecar, type Sidecar, type SidecarOptions } from "../../src/http";
import { deleteIndexes, setupIndexes } from "../../src/opensearch";
import { testConfig } from "./services";

/** A sidecar on the run's real services with freshly set-up indexes of its own; `close` deletes them. */
export async function startTestSidecar(overrides: ConfigOverrides = {}, options: SidecarOptions = {}): Promise<Sidecar> {
  const sidecar = createSidecar(testConfig(overrides), options);
  await setupIndexes(sidecar.gateway, { aliases: aliasesOf(sidecar), embeddingDimension: sidecar.config.embeddingDimension });
  return {
    ...sidecar,
    close: async () => {
      await deleteIndexes(sidecar.gateway, aliasesOf(sidecar));
      await sidecar.close();
    },
  };
}

export function aliasesOf(sidecar: Sidecar) {
  return { products: sidecar.config.productsAlias, events: sidecar.config.eventsAlias, profiles: sidecar.config.profilesAlias };
}
