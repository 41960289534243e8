import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { pathToFileURL } from "node:url";

const NAMES = ["chromium", "chromium-browser", "google-chrome"];

/** The first Chromium on PATH. @throws with an install hint when there is none (the render test must not skip). */
export function findChromium(): string {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    for (const name of NAMES) {
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here; keep looking
      }
    }
  }
  throw new Error(`no headless Chromium found on PATH (looked for ${NAMES.join(", ")}); npm test installs it as root (scripts/test-prerequisites.sh); otherwise: sudo apt-get install -y chromium`);
}

/** Loads a local HTML file in headless Chromium, lets its scripts run, and returns the resulting DOM. */
export async function dumpDom(htmlPath: string): Promise<string> {
  const chromium = findChromium();
  const profile = await mkdtemp(join(tmpdir(), "chromium-profile-"));
  const args = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    `--user-data-dir=${profile}`,
    "--virtual-time-budget=5000",
    "--dump-dom",
    pathToFileURL(htmlPath).href,
  ];
  try {
    return await new Promise<string>((resolve, reject) => {
      execFile(chromium, args, { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`chromium failed: ${error.message}\n${stderr.slice(-2000)}`));
        else resolve(stdout);
      });
    });
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}
