import { strict as assert } from "node:assert";
import express from "express";
import pino from "pino";
import request from "supertest";
import { createSidecar, type Sidecar } from "../../src/http";
import { errorHandler } from "../../src/http/error-handler";
import { testConfig, TEST_API_KEYS } from "../utils/services";

interface ErrorBody {
  error: { code: string; message: string };
}

/** Finding 8 (HTTP part) of issue 7: client mistakes are 4xx with stable codes, never 500. */
describe("client errors answer 4xx with stable codes", () => {
  let sidecar: Sidecar;

  before(() => {
    sidecar = createSidecar(testConfig());
  });
  after(async () => {
    await sidecar.close();
  });

  it("answers an unsupported charset with 415 UNSUPPORTED_MEDIA_TYPE", async () => {
    const res = await request(sidecar.app).post("/v1/search").set("content-type", "application/json; charset=latin1").send('{"q":"drill"}').expect(415);
    assert.equal((res.body as ErrorBody).error.code, "UNSUPPORTED_MEDIA_TYPE");
  });

  it("answers an unsupported Content-Encoding with 415 UNSUPPORTED_MEDIA_TYPE", async () => {
    const res = await request(sidecar.app).post("/v1/search").set("content-type", "application/json").set("content-encoding", "snappy").send('{"q":"drill"}').expect(415);
    assert.equal((res.body as ErrorBody).error.code, "UNSUPPORTED_MEDIA_TYPE");
  });

  it("answers a malformed % escape in a proxied path with 400 INVALID_REQUEST", async () => {
    for (const path of ["/%E0%A4%A/_doc/1", `/${sidecar.config.productsAlias}/_doc/%zz`, "/%ff/_bulk"]) {
      const res = await request(sidecar.app).put(path).set("x-api-key", TEST_API_KEYS.admin).send({ title: "x" });
      assert.equal(res.status, 400, `${path}: ${res.status} ${res.text}`);
      assert.equal((res.body as ErrorBody).error.code, "INVALID_REQUEST");
    }
  });

  it("maps express's own path-decoding error (status 400) to INVALID_REQUEST", async () => {
    const app = express();
    app.get("/things/:id", (_req, res) => {
      res.json({});
    });
    app.use(errorHandler(pino({ level: "silent" })));
    const res = await request(app).get("/things/%E0%A4%A").expect(400);
    assert.equal((res.body as ErrorBody).error.code, "INVALID_REQUEST");
  });
});
