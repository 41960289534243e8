import { execFile } from "node:child_process";
import { projectRoot } from "../../src/config";

export interface RelevanceRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the whole `relevance` CLI (src/cli/main.ts through tsx) as a child process with only PATH and
 * `env` in its environment; stdout is a pipe, so no progress bar.
 */
export function runRelevance(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RelevanceRun> {
  const entry = `require("./src/cli/main.ts").main(["node", "relevance", ...process.argv.slice(1)]).catch((err) => { process.stderr.write("relevance: " + (err && err.message ? err.message : String(err)) + "\\n"); process.exitCode = 1; })`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--require", "tsx/cjs", "-e", entry, ...args],
      { cwd: projectRoot(), env: { PATH: process.env.PATH, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
