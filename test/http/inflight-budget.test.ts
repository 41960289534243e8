import { strict as assert } from "node:assert";
import { connect, type Socket } from "node:net";
import request from "supertest";
import { createSidecar, type Sidecar } from "../../src/http";
import { randomName, testConfig, TEST_API_KEYS } from "../utils/services";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A JSON search body of exactly `size` bytes. */
function paddedSearch(size: number): string {
  const json = '{"size":0}';
  return json + " ".repeat(size - json.length);
}

/** A slow client that declares `size` bytes, sends a few, and finishes when told. */
function holdBudget(port: number, path: string, size: number): { finish: () => void; answered: Promise<string> } {
  const socket: Socket = connect(port, "127.0.0.1");
  const answered = new Promise<string>((resolve) => {
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => resolve(Buffer.concat(chunks).toString("latin1")));
  });
  const body = paddedSearch(size);
  socket.write(`POST ${path} HTTP/1.1\r\nHost: sidecar\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`);
  return { finish: () => socket.end(body.slice(10)), answered };
}

/** A search body sent chunked, `kilobytes` chunks of 1 KB of JSON whitespace after `{}`. */
function sendChunked(port: number, path: string, kilobytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => resolve(Buffer.concat(chunks).toString("latin1")));
    socket.on("error", reject);
    socket.write(`POST ${path} HTTP/1.1\r\nHost: sidecar\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n`);
    for (let i = 0; i < kilobytes; i++) socket.write(`400\r\n${" ".repeat(1024)}\r\n`);
    socket.end("0\r\n\r\n");
  });
}

/** Finding 7 of issue 7: request bytes held at once are capped across all requests. */
describe("in-flight request bytes are bounded (MAX_INFLIGHT_BYTES)", () => {
  let sidecar: Sidecar;
  let port: number;
  let searchPath: string;

  before(async () => {
    sidecar = createSidecar(testConfig({ maxInflightBytes: "4kb" }));
    port = await sidecar.listen();
    searchPath = `/${sidecar.config.productsAlias}/_search`;
  });
  after(async () => {
    await sidecar.close();
  });

  it("answers 429 OVERLOADED with Retry-After while another request holds the budget, and recovers after it", async () => {
    // A slow client declares 3,000 bytes and sends a few: its declared length is held from the start.
    const slow = holdBudget(port, searchPath, 3000);
    await sleep(300);

    const refused = await request(sidecar.app).post(searchPath).set("content-type", "application/json").send(paddedSearch(2000)).expect(429);
    assert.equal(refused.headers["retry-after"], "1");
    assert.equal((refused.body as { error: { code: string } }).error.code, "OVERLOADED");
    // The sidecar's own API shares the budget.
    await request(sidecar.app).post("/v1/search").set("content-type", "application/json").send(JSON.stringify({ q: "x".repeat(1500) })).expect(429);

    slow.finish();
    const first = await slow.answered;
    assert.doesNotMatch(first, /^HTTP\/1\.1 429/, "the request holding the budget is served");
    const after = await request(sidecar.app).post(searchPath).set("content-type", "application/json").send(paddedSearch(2000));
    assert.notEqual(after.status, 429, "the budget is given back when a response ends");
  });

  it("counts a chunked body as it is read, and lets a request alone in flight use more than the budget", async () => {
    const holder = holdBudget(port, searchPath, 3000);
    await sleep(300);
    const refused = await sendChunked(port, searchPath, 2);
    assert.match(refused, /^HTTP\/1\.1 429 /, "2 KB read on top of the 3 KB held");
    assert.match(refused, /retry-after: 1/i);
    holder.finish();
    await holder.answered;
    // Alone, a body within the size limit is served even when it is larger than the budget.
    const alone = await sendChunked(port, searchPath, 6);
    assert.doesNotMatch(alone, /^HTTP\/1\.1 429 /);
  });

  it("passes a bulk body for other indexes along without parsing it (an admin's comments reach OpenSearch as sent)", async () => {
    const index = randomName("unenriched");
    const body = `{"index":{"_index":"${index}","_id":"1"}} /* OpenSearch allows comments */\n{"title":"kept"}\n`;
    const res = await request(sidecar.app).post("/_bulk?refresh=true").set("x-api-key", TEST_API_KEYS.admin).set("content-type", "application/x-ndjson").send(body).expect(200);
    assert.equal((res.body as { errors: boolean }).errors, false);
    await sidecar.gateway.request("DELETE", `/${index}`, undefined, { ignore: [404] });
  });
});
