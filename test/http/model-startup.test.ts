import { strict as assert } from "node:assert";
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import pino from "pino";
import request from "supertest";
import { type Sidecar } from "../../src/http";
import { loadActiveModels } from "../../src/runtime";
import { BackendUnavailableError, EMBEDDINGS_KIND, type BackendProbe } from "../../src/model";
import { testConfig } from "../utils/services";
import { startTestSidecar } from "../utils/sidecar-harness";
import { tinyModel, type TinyModel } from "../utils/tiny-model";

const silent = pino({ level: "silent" });

/** Simulates this machine's packages: no native TensorFlow; wasm loads but is activated as cpu so tests stay on one backend. */
const noNativeProbe: BackendProbe = {
  loadPackage(name) {
    if (name.includes("tfjs-node")) throw Object.assign(new Error(`Cannot find module '${name}'`), { code: "MODULE_NOT_FOUND" });
  },
  activate: async (backend) => backend === "wasm" && (await tf.setBackend("cpu")),
};

interface ReadyBody {
  status: string;
  models: { embeddings: { version: string; dimension: number } | null };
  backend: { name: string; tried: { candidate: string; ok: boolean; reason?: string }[] } | null;
  model_problems?: string[];
}

/** `serve` start-up: the backend ladder runs once, the promoted model is loaded, and `/readyz` says what was chosen. */
describe("loading the promoted models at start-up", function () {
  this.timeout(60_000);
  let tiny: TinyModel;
  let scratch: string;
  const sidecars: Sidecar[] = [];

  before(async () => {
    tiny = await tinyModel();
    scratch = await mkdtemp(join(tmpdir(), "model-startup-"));
  });
  after(async () => {
    await Promise.all(sidecars.map((s) => s.close()));
    await rm(scratch, { recursive: true, force: true });
    await tf.setBackend("cpu");
  });

  const readyz = async (modelsDir: string): Promise<ReadyBody> => {
    const config = testConfig({ modelsDir, embeddingDimension: 16 });
    const models = await loadActiveModels(config, silent, { probe: noNativeProbe });
    const sidecar = await startTestSidecar({ modelsDir, embeddingDimension: 16 }, { models });
    sidecars.push(sidecar);
    return (await request(sidecar.app).get("/readyz").expect(200)).body as ReadyBody;
  };

  it("serves the promoted model and reports it with the backend and every rung tried", async () => {
    const body = await readyz(tiny.modelsDir);
    assert.equal(body.status, "ready");
    assert.deepEqual(body.models.embeddings, { name: EMBEDDINGS_KIND, version: tiny.version, dimension: 16 });
    assert.equal(body.backend?.name, "wasm");
    assert.deepEqual(
      body.backend?.tried.map((t) => [t.candidate, t.ok, t.reason]),
      [
        ["tensorflow-gpu", false, "package not installed"],
        ["tensorflow", false, "package not installed"],
        ["wasm", true, undefined],
      ],
    );
    assert.equal(body.model_problems, undefined);
  });

  it("runs without a model when none is promoted", async () => {
    const body = await readyz(join(scratch, "empty"));
    assert.equal(body.models.embeddings, null);
    assert.equal(body.model_problems, undefined);
  });

  it("stays up with BM25 when the promoted model is broken, and says why", async () => {
    const broken = join(scratch, "broken");
    await cp(tiny.modelsDir, broken, { recursive: true });
    await writeFile(join(broken, EMBEDDINGS_KIND, tiny.version, "manifest.json"), "{ not json");
    const body = await readyz(broken);
    assert.equal(body.status, "ready");
    assert.equal(body.models.embeddings, null);
    assert.equal(body.model_problems?.length, 1);
    assert.match(body.model_problems?.[0] ?? "", new RegExp(`embeddings: .*${tiny.version}`));
  });

  it("refuses to start when INFERENCE_BACKEND names a backend that cannot run", async () => {
    const config = testConfig({ modelsDir: tiny.modelsDir, inferenceBackend: "tensorflow" });
    await assert.rejects(loadActiveModels(config, silent, { probe: noNativeProbe }), (err: unknown) => {
      assert.ok(err instanceof BackendUnavailableError);
      assert.match(err.message, /tensorflow: package not installed/);
      return true;
    });
  });
});
