import { strict as assert } from "node:assert";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localNodeStatus, startLocalNode, stopLocalNode } from "../../src/opensearch";
import { testOpenSearchUrl } from "../utils/services";

describe("local OpenSearch node management", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "relevance-node-"));

  it("refuses ports the runner cannot bind, saying which", async () => {
    await assert.rejects(startLocalNode({ port: 9400, dataDir }), /between 1025 and 9299.*9400/);
  });

  it("reports a node that is not running, and stopping it is a no-op", async () => {
    const status = await localNodeStatus({ port: 9298, dataDir });
    assert.equal(status.running, false);
    assert.equal(status.url, "http://127.0.0.1:9298");
    assert.deepEqual(await stopLocalNode({ port: 9298, dataDir }), { stopped: false });
  });

  it("start is idempotent: a healthy node on the port is reused, not started twice", async function () {
    const url = new URL(testOpenSearchUrl());
    if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") this.skip();
    const status = await startLocalNode({ port: Number(url.port), dataDir });
    assert.equal(status.started, false);
    assert.equal(status.running, true);
    assert.ok(status.health === "green" || status.health === "yellow");
  });
});
