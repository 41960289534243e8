import { strict as assert } from "node:assert";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { ActiveModels, loadPromotedEmbedder, reloadPromotedModels } from "../../src/runtime";
import { EMBEDDINGS_KIND, promoteModel } from "../../src/model";
import { testConfig } from "../utils/services";
import { tinyModel, type TinyModel } from "../utils/tiny-model";

const silent = pino({ level: "silent" });

/** SIGHUP in `serve`: a promotion takes effect without a restart, and a bad promotion does not take the model away. */
describe("reloading the promoted models in a running sidecar", function () {
  this.timeout(60_000);
  let tiny: TinyModel;
  let modelsDir: string;
  const NEXT = "emb-20990101-000000-0000000";

  before(async () => {
    tiny = await tinyModel();
    modelsDir = await mkdtemp(join(tmpdir(), "model-reload-"));
    await cp(tiny.modelsDir, modelsDir, { recursive: true });
    // A second version: the same weights under another version name.
    const next = join(modelsDir, EMBEDDINGS_KIND, NEXT);
    await cp(join(modelsDir, EMBEDDINGS_KIND, tiny.version), next, { recursive: true });
    const manifest = JSON.parse(await readFile(join(next, "manifest.json"), "utf8")) as { version: string };
    await writeFile(join(next, "manifest.json"), JSON.stringify({ ...manifest, version: NEXT }));
  });
  after(async () => rm(modelsDir, { recursive: true, force: true }));

  it("swaps in a newly promoted version, keeps the instance when the same one is promoted, and keeps serving when the new one is broken", async () => {
    const config = testConfig({ modelsDir });
    const { embedder } = await loadPromotedEmbedder(config, silent);
    const models = new ActiveModels({ embedder });
    const first = models.embedder;
    assert.equal(first?.version, tiny.version);

    assert.equal(await reloadPromotedModels(models, config, silent), tiny.version);
    assert.equal(models.embedder, first, "same version: the warm instance stays");

    await promoteModel(modelsDir, EMBEDDINGS_KIND, NEXT);
    assert.equal(await reloadPromotedModels(models, config, silent), NEXT);
    assert.equal(models.embedder?.version, NEXT);
    assert.deepEqual(models.status().problems, []);

    await writeFile(join(modelsDir, EMBEDDINGS_KIND, NEXT, "manifest.json"), "{ truncated");
    assert.equal(await reloadPromotedModels(models, config, silent), NEXT);
    assert.equal(models.embedder?.version, NEXT, "still serving the loaded copy");
    assert.match(models.status().problems[0] ?? "", /not valid JSON/);
  });
});
