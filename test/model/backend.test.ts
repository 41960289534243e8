import { strict as assert } from "node:assert";
import { selectInferenceBackend, type BackendProbe } from "../../src/model/backend";
import { BackendUnavailableError } from "../../src/model/errors";

type PackageState = "present" | "absent" | "throws";

/** A probe over simulated packages: which load, which throw, which backends initialise. */
function fakeProbe(packages: Record<string, PackageState>, failingBackends: string[] = []): BackendProbe & { activated: string[] } {
  const activated: string[] = [];
  return {
    activated,
    loadPackage(name) {
      const state = packages[name] ?? "absent";
      if (state === "absent") throw Object.assign(new Error(`Cannot find module '${name}'`), { code: "MODULE_NOT_FOUND" });
      if (state === "throws") throw new Error("libcudart.so.11.0: cannot open shared object file\nstack...");
    },
    activate(backend) {
      activated.push(backend);
      return Promise.resolve(!failingBackends.includes(backend));
    },
  };
}

const GPU = "@tensorflow/tfjs-node-gpu";
const NODE = "@tensorflow/tfjs-node";
const WASM = "@tensorflow/tfjs-backend-wasm";

describe("selectInferenceBackend", () => {
  it("takes tensorflow-gpu when its package loads", async () => {
    const probe = fakeProbe({ [GPU]: "present", [NODE]: "present", [WASM]: "present" });
    const selection = await selectInferenceBackend({ probe });
    assert.deepEqual(selection, { backend: "tensorflow-gpu", tried: [{ candidate: "tensorflow-gpu", ok: true }] });
    assert.deepEqual(probe.activated, ["tensorflow"]);
  });

  it("falls to tfjs-node when the GPU package cannot load (no CUDA)", async () => {
    const selection = await selectInferenceBackend({ probe: fakeProbe({ [GPU]: "throws", [NODE]: "present", [WASM]: "present" }) });
    assert.equal(selection.backend, "tensorflow");
    assert.deepEqual(selection.tried, [
      { candidate: "tensorflow-gpu", ok: false, reason: "libcudart.so.11.0: cannot open shared object file" },
      { candidate: "tensorflow", ok: true },
    ]);
  });

  it("falls to wasm when neither native package is installed (this machine)", async () => {
    const selection = await selectInferenceBackend({ probe: fakeProbe({ [WASM]: "present" }) });
    assert.equal(selection.backend, "wasm");
    assert.deepEqual(
      selection.tried.map((t) => [t.candidate, t.ok, t.reason]),
      [
        ["tensorflow-gpu", false, "package not installed"],
        ["tensorflow", false, "package not installed"],
        ["wasm", true, undefined],
      ],
    );
  });

  it("falls to cpu when wasm loads but does not initialise", async () => {
    const selection = await selectInferenceBackend({ probe: fakeProbe({ [WASM]: "present" }, ["wasm"]) });
    assert.equal(selection.backend, "cpu");
    assert.deepEqual(selection.tried[2], { candidate: "wasm", ok: false, reason: "backend failed to initialise" });
    assert.deepEqual(selection.tried[3], { candidate: "cpu", ok: true });
  });

  it("records an activation that throws and moves on", async () => {
    const probe = fakeProbe({ [NODE]: "present", [WASM]: "present" });
    probe.activate = (backend) => (backend === "tensorflow" ? Promise.reject(new Error("bad binary")) : Promise.resolve(true));
    const selection = await selectInferenceBackend({ probe });
    assert.equal(selection.backend, "wasm");
    assert.equal(selection.tried[1]?.reason, "backend failed to initialise: bad binary");
  });

  it("tries only the forced backend", async () => {
    const probe = fakeProbe({ [GPU]: "present", [NODE]: "present", [WASM]: "present" });
    const selection = await selectInferenceBackend({ preference: "cpu", probe });
    assert.deepEqual(selection, { backend: "cpu", tried: [{ candidate: "cpu", ok: true }] });
    assert.deepEqual(probe.activated, ["cpu"]);
  });

  it("fails with every attempt when the forced backend is unavailable", async () => {
    await assert.rejects(
      selectInferenceBackend({ preference: "tensorflow", probe: fakeProbe({}) }),
      (err: unknown) => {
        assert.ok(err instanceof BackendUnavailableError);
        assert.equal(err.code, "MODEL_UNAVAILABLE");
        assert.deepEqual(err.details, { preference: "tensorflow", tried: [{ candidate: "tensorflow", ok: false, reason: "package not installed" }] });
        return true;
      },
    );
  });

  it("rejects an unknown preference", async () => {
    await assert.rejects(selectInferenceBackend({ preference: "tpu" as "cpu", probe: fakeProbe({}) }), /unknown inference backend "tpu"/);
  });

  it("selects a real backend on this machine", async () => {
    const selection = await selectInferenceBackend({ preference: "cpu" });
    assert.equal(selection.backend, "cpu");
  });
});
