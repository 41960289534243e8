import { strict as assert } from "node:assert";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { ADVERSARIAL_INPUTS, TIMED_FUNCTIONS } from "./linear-time-cases";
import { type TimingAnswer, type TimingRequest } from "./linear-time-worker";

/** Generous: linear code takes well under a second on 1 MB; the quadratic versions took minutes. */
const BOUND_MS = 2000;
/** A run still going after this is stopped (the worker is terminated) and reported as failed. */
const GIVE_UP_MS = 10_000;

/** One worker at a time, replaced when a run has to be stopped. */
class TimingWorker {
  #worker: Worker | undefined;

  async time(request: TimingRequest): Promise<TimingAnswer | "gave up"> {
    const worker = (this.#worker ??= new Worker(`require("tsx/cjs"); require(${JSON.stringify(join(__dirname, "linear-time-worker.ts"))});`, { eval: true }));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        this.#worker = undefined;
        void worker.terminate().then(() => resolve("gave up"), reject);
      }, GIVE_UP_MS);
      const onMessage = (answer: TimingAnswer) => {
        cleanup();
        resolve(answer);
      };
      const onError = (err: Error) => {
        cleanup();
        this.#worker = undefined;
        reject(err);
      };
      const cleanup = () => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        worker.off("error", onError);
      };
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    await this.#worker?.terminate();
  }
}

describe("cleaning, features and validation run in linear time on 1 MB adversarial input", function () {
  this.timeout(GIVE_UP_MS + 30_000);
  this.slow(BOUND_MS);
  const worker = new TimingWorker();
  after(async () => worker.close());

  for (const fn of Object.keys(TIMED_FUNCTIONS)) {
    describe(fn, () => {
      for (const input of Object.keys(ADVERSARIAL_INPUTS)) {
        it(input, async () => {
          const answer = await worker.time({ fn, input });
          assert.notEqual(answer, "gave up", `${fn} on ${input} was still running after ${GIVE_UP_MS} ms`);
          if (answer === "gave up") return;
          assert.ok(answer.ok, answer.ok ? "" : answer.error);
          assert.ok(answer.ms < BOUND_MS, `${fn} on 1 MB of ${input} took ${Math.round(answer.ms)} ms (bound ${BOUND_MS} ms)`);
        });
      }
    });
  }
});
