import { execFile } from "node:child_process";
import { join } from "node:path";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `relevance <args>` in a child process (stdout is a pipe, so no progress bar) and collects its output. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const entry = join(__dirname, "cli-entry.ts");
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--require", "tsx/cjs", entry, ...args],
      { env: { PATH: process.env.PATH, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The contract says the summary is the last line of stdout. */
export function lastJsonLine(stdout: string): Record<string, unknown> {
  const lines = stdout.trimEnd().split("\n");
  return JSON.parse(lines[lines.length - 1] ?? "") as Record<string, unknown>;
}
