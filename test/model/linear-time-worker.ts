/**
 * Runs one (function, input) pair of linear-time-cases.ts per message and answers with the time it
 * took. It runs in a worker thread so that the test can stop a quadratic run instead of waiting minutes.
 */
import { parentPort } from "node:worker_threads";
import { adversarialInput, TIMED_FUNCTIONS } from "./linear-time-cases";

export interface TimingRequest {
  fn: string;
  input: string;
}

export type TimingAnswer = { ok: true; ms: number } | { ok: false; error: string };

const port = parentPort;
if (!port) throw new Error("linear-time-worker.ts runs in a worker thread");
port.on("message", ({ fn, input }: TimingRequest) => {
  try {
    const run = TIMED_FUNCTIONS[fn];
    if (!run) throw new Error(`no function "${fn}"`);
    const text = adversarialInput(input);
    const started = performance.now();
    run(text);
    port.postMessage({ ok: true, ms: performance.now() - started } satisfies TimingAnswer);
  } catch (err) {
    port.postMessage({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies TimingAnswer);
  }
});
