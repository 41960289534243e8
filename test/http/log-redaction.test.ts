import { strict as assert } from "node:assert";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createLogger, redactUrlCredentials } from "../../src/config";
import { randomName, testOpenSearchUrl, testRedisUrl, TEST_API_KEYS } from "../utils/services";

const SECRETS = {
  urlPassword: "url-secret-pw-4711",
  servicePassword: "service-secret-pw-0815",
  callerAuthorization: `Basic ${Buffer.from("caller:caller-secret-pw").toString("base64")}`,
  cookie: "session=cookie-secret-value",
  proxyAuthorization: "Basic cHJveHktc2VjcmV0LXB3",
  unknownKey: "unknown-key-secret-1234567",
} as const;

const projectRoot = join(__dirname, "..", "..");

/** `relevance serve` as a real process, its stderr (the JSON log) collected. */
function startServe(env: NodeJS.ProcessEnv): { child: ChildProcess; log: () => string; port: Promise<number> } {
  const entry = 'require("./src/cli/main.ts").main(["node", "relevance", ...process.argv.slice(1)])';
  const child = spawn(process.execPath, ["--require", "tsx/cjs", "-e", entry, "serve"], { cwd: projectRoot, env: { PATH: process.env.PATH, ...env } });
  let stderr = "";
  const port = new Promise<number>((resolve, reject) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const line = stderr.split("\n").find((l) => l.includes("sidecar listening"));
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once("exit", (code) => reject(new Error(`serve exited with ${code}: ${stderr.slice(-2000)}`)));
  });
  return { child, log: () => stderr, port };
}

describe("log redaction", function () {
  this.timeout(90_000);

  it("a real sidecar logs no credential: not from headers, not from OPENSEARCH_URL, not its own", async () => {
    const withPassword = new URL(testOpenSearchUrl());
    withPassword.username = "url-user";
    withPassword.password = SECRETS.urlPassword;
    const modelsDir = mkdtempSync(join(tmpdir(), "relevance-redaction-models-"));
    const prefix = randomName("redaction");
    const serve = startServe({
      OPENSEARCH_URL: withPassword.toString(),
      OPENSEARCH_USERNAME: "svc",
      OPENSEARCH_PASSWORD: SECRETS.servicePassword,
      REDIS_URL: testRedisUrl(),
      PORT: "0",
      LOG_LEVEL: "info",
      MODELS_DIR: modelsDir,
      INFERENCE_BACKEND: "cpu",
      PRODUCTS_ALIAS: `${prefix}-products`,
      EVENTS_ALIAS: `${prefix}-events`,
      PROFILES_ALIAS: `${prefix}-profiles`,
      PSEUDONYM_KEY: "log-redaction-test-pseudonym-key-0123456789",
      API_KEYS: `${TEST_API_KEYS.admin}:admin,${TEST_API_KEYS.search}:search`,
    });
    try {
      const base = `http://127.0.0.1:${await serve.port}`;
      const call = async (path: string, init: RequestInit = {}) => {
        const response = await fetch(`${base}${path}`, init);
        await response.arrayBuffer();
        return response.status;
      };
      // Proxied, with every kind of credential header a caller could send.
      assert.equal(
        await call("/", {
          headers: { authorization: SECRETS.callerAuthorization, cookie: SECRETS.cookie, "x-api-key": TEST_API_KEYS.admin, "proxy-authorization": SECRETS.proxyAuthorization },
        }),
        200,
      );
      // Proxied with the sidecar's own credentials added.
      assert.equal(await call("/_cat/indices", { headers: { "x-api-key": TEST_API_KEYS.admin } }), 200);
      assert.equal(await call("/v1/search", { method: "POST", headers: { "x-api-key": SECRETS.unknownKey, cookie: SECRETS.cookie } }), 401);
      assert.equal(await call("/_cluster/settings", { method: "PUT", headers: { "x-api-key": TEST_API_KEYS.search, authorization: SECRETS.callerAuthorization } }), 403);
      assert.equal(await call("/v1/nothing-here", { headers: { "x-api-key": TEST_API_KEYS.search, cookie: SECRETS.cookie } }), 404);
    } finally {
      serve.child.kill("SIGTERM");
      await new Promise((resolve) => serve.child.once("exit", resolve));
      rmSync(modelsDir, { recursive: true, force: true });
    }

    const log = serve.log();
    const lines = log
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { msg?: string; opensearch?: string; req?: { url?: string; headers?: Record<string, string> } });
    const started = lines.find((line) => line.msg?.includes("sidecar listening"));
    assert.equal(started?.opensearch, `${withPassword.protocol}//[redacted]@${withPassword.host}`);
    const root = lines.find((line) => line.req?.url === "/");
    assert.ok(root, "the proxied request was logged");
    assert.equal(root.req?.headers?.authorization, "[redacted]");
    assert.equal(root.req?.headers?.cookie, "[redacted]");
    assert.equal(root.req?.headers?.["proxy-authorization"], "[redacted]");
    assert.ok(lines.some((line) => line.req?.url === "/_cat/indices"));

    const leaked = [
      SECRETS.urlPassword,
      SECRETS.servicePassword,
      Buffer.from(`svc:${SECRETS.servicePassword}`).toString("base64"),
      SECRETS.callerAuthorization.slice("Basic ".length),
      "cookie-secret-value",
      SECRETS.proxyAuthorization.slice("Basic ".length),
      SECRETS.unknownKey,
      TEST_API_KEYS.admin,
      TEST_API_KEYS.search,
    ].filter((secret) => log.includes(secret));
    assert.deepEqual(leaked, []);
  });

  it("redacts credential headers of responses and of anything else logged with headers", () => {
    const out: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        out.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ logLevel: "info" }, sink);
    logger.info({ res: { statusCode: 200, headers: { "set-cookie": "sid=response-secret", "content-type": "text/plain" } } }, "answered");
    logger.info({ headers: { authorization: "Bearer bare-secret", "x-api-key": "bare-key-secret" } }, "headers");
    const text = out.join("");
    assert.ok(!text.includes("response-secret") && !text.includes("bare-secret") && !text.includes("bare-key-secret"), text);
    assert.ok(text.includes("text/plain"), "other headers stay");
  });

  it("keeps URLs readable without their credentials", () => {
    assert.equal(redactUrlCredentials("http://admin:hunter2@search.internal:9200/base?x=1"), "http://[redacted]@search.internal:9200/base?x=1");
    assert.equal(redactUrlCredentials("redis://:hunter2@cache:6379"), "redis://[redacted]@cache:6379");
    assert.equal(redactUrlCredentials("https://token@host"), "https://[redacted]@host");
    assert.equal(redactUrlCredentials("http://127.0.0.1:9200"), "http://127.0.0.1:9200");
    assert.equal(redactUrlCredentials("not a url with user:pw@host"), "[redacted]");
  });
});
