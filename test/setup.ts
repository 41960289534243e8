import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalNode, stopLocalNode } from "../src/opensearch";
import { setTestOpenSearchUrl } from "./utils/services";
import { removeTinyModels } from "./utils/tiny-model";

/**
 * The one test setup: a real OpenSearch (OPENSEARCH_URL when set, otherwise a fresh local node on
 * TEST_OPENSEARCH_PORT, default 9250, wiped afterwards) and the real Redis at REDIS_URL.
 */
const port = Number(process.env.TEST_OPENSEARCH_PORT || 9250);
let startedHere: { port: number; dataDir: string } | undefined;

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    this.timeout(600_000);
    const external = process.env.OPENSEARCH_URL;
    if (external) {
      setTestOpenSearchUrl(external.replace(/\/+$/, ""));
      return;
    }
    const dataDir = mkdtempSync(join(tmpdir(), "relevance-test-opensearch-"));
    const status = await startLocalNode({ port, dataDir, heap: "1g" });
    if (status.started) startedHere = { port, dataDir };
    setTestOpenSearchUrl(status.url);
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60_000);
    await removeTinyModels();
    if (startedHere) await stopLocalNode({ ...startedHere, wipe: true });
  },
};
