import { strict as assert } from "node:assert";
import request from "supertest";
import { type Sidecar } from "../../src/http";
import { EventLoopGuard } from "../../src/http/event-loop-guard";
import { TEST_API_KEYS } from "../utils/services";
import { startTestSidecar } from "../utils/sidecar-harness";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Blocks this process's event loop, as a pile of CPU work (embedding, JSON) would. */
function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}

interface ErrorBody {
  error: { code: string; message: string };
}

describe("load shedding by event-loop delay (MAX_EVENT_LOOP_DELAY_MS)", () => {
  let sidecar: Sidecar;
  before(async () => {
    sidecar = await startTestSidecar({ maxEventLoopDelayMs: 20 });
  });
  after(async () => sidecar.close());

  const search = () => request(sidecar.app).post("/v1/search").set("x-api-key", TEST_API_KEYS.search).send({ q: "drill", pipeline: "bm25" });

  it("answers 429 OVERLOADED with Retry-After while the loop lags, keeps answering probes, and recovers", async () => {
    await search().expect(200);
    blockEventLoop(600);
    let refused: request.Response | undefined;
    for (const until = Date.now() + 2000; Date.now() < until && !refused; ) {
      const res = await search();
      if (res.status === 429) refused = res;
      else await sleep(20);
    }
    assert.ok(refused, "no request was refused after the event loop was blocked for 600 ms");
    assert.equal((refused.body as ErrorBody).error.code, "OVERLOADED");
    assert.match((refused.body as ErrorBody).error.message, /event-loop delay \d+ ms over its 20 ms limit/);
    assert.equal(refused.headers["retry-after"], "1");
    await request(sidecar.app).get("/healthz").expect(200);

    let recovered = false;
    for (const until = Date.now() + 3000; Date.now() < until && !recovered; ) {
      await sleep(100);
      recovered = (await search()).status === 200;
    }
    assert.ok(recovered, "requests were still refused 3 s after the loop was free again");
  });
});

describe("EventLoopGuard", () => {
  it("never refuses with a limit of 0 (off), and rejects a negative limit", async () => {
    const guard = new EventLoopGuard({ maxDelayMs: 0 });
    blockEventLoop(300);
    await sleep(250);
    let passed = false;
    guard.middleware()({ path: "/v1/search" } as Parameters<ReturnType<EventLoopGuard["middleware"]>>[0], {} as Parameters<ReturnType<EventLoopGuard["middleware"]>>[1], (err?: unknown) => {
      passed = err === undefined;
    });
    assert.ok(passed);
    guard.stop();
    assert.throws(() => new EventLoopGuard({ maxDelayMs: -1 }), RangeError);
  });
});
