import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { type Command } from "commander";
import { buildProgram } from "../../src/cli/main";
import { loadConfig, projectRoot, readConnectionSettings } from "../../src/config";
import { activeVersion } from "../../src/model";
import { OpenSearchGateway, deleteIndexes } from "../../src/opensearch";
import { syntheticCatalog } from "../utils/synthetic-catalog";
import { randomName, testOpenSearchUrl } from "../utils/services";

const SHARED_VARIABLES = ["OPENSEARCH_URL", "REDIS_URL", "PRODUCTS_ALIAS", "EVENTS_ALIAS", "PROFILES_ALIAS", "MODELS_DIR", "SIDECAR_URL"] as const;

/** Runs `fn` with these variables set (and the other shared ones unset), then restores the environment. */
async function withEnv<T>(vars: Partial<Record<(typeof SHARED_VARIABLES)[number], string>>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(SHARED_VARIABLES.map((name) => [name, process.env[name]]));
  for (const name of SHARED_VARIABLES) {
    const value = vars[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  try {
    return await fn();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** Runs `relevance ARGS` in-process and returns its stdout lines (stderr notes are swallowed). */
async function relevance(args: string[]): Promise<string[]> {
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = (chunk: string | Uint8Array) => (out.push(String(chunk)), true);
  process.stderr.write = () => true;
  try {
    await buildProgram().exitOverride().parseAsync(["node", "relevance", ...args]);
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
  return out.join("").trim().split("\n");
}

const lastJson = <T>(lines: string[]): T => JSON.parse(lines[lines.length - 1] as string) as T;

/** Every file under `dir` with its size and modification time, to prove a folder was not touched. */
async function snapshot(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return ["(absent)"];
  const entries = await readdir(dir, { recursive: true });
  const rows = await Promise.all(
    entries.map(async (entry) => {
      const info = await stat(join(dir, entry));
      return `${relative(dir, join(dir, entry))} ${info.size} ${info.mtimeMs}`;
    }),
  );
  return rows.sort();
}

/** `--help` of a subcommand, with commander's line wrapping undone. */
function help(path: string[]): string {
  return subcommand(path).helpInformation().replace(/\s+/g, " ");
}

function subcommand(path: string[]): Command {
  let command: Command = buildProgram();
  for (const name of path) {
    const next = command.commands.find((c) => c.name() === name);
    if (!next) throw new Error(`no command ${path.join(" ")}`);
    command = next;
  }
  return command;
}

describe("every command reads the settings serve reads (MODELS_DIR, aliases)", function () {
  this.timeout(60_000);
  let root: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), "shared-settings-"));
    const { products } = syntheticCatalog();
    await writeFile(join(root, "catalog.csv"), ["uid,name", ...[...products.values()].map((p) => `${p.id},${p.title}`)].join("\n"));
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
    await tf.setBackend("cpu");
  });

  it("the CLI's settings and serve's config agree on every shared variable, set or not", () => {
    const set = {
      OPENSEARCH_URL: "http://127.0.0.1:9277",
      REDIS_URL: "redis://127.0.0.1:6390",
      PRODUCTS_ALIAS: "p-shared",
      EVENTS_ALIAS: "e-shared",
      PROFILES_ALIAS: "f-shared",
      MODELS_DIR: "/tmp/models-shared",
    };
    for (const env of [set, {}]) {
      const cli = readConnectionSettings(env);
      const serve = loadConfig({}, env);
      for (const key of ["opensearchUrl", "redisUrl", "productsAlias", "eventsAlias", "profilesAlias", "modelsDir"] as const) {
        assert.equal(cli[key], serve[key], `${key} with ${JSON.stringify(env)}`);
      }
    }
  });

  it("train embeddings writes under MODELS_DIR, models list/promote act on it, and rerankers/ is untouched", async () => {
    const models = join(root, "models");
    const defaultFolder = join(projectRoot(), "rerankers");
    const before = await snapshot(defaultFolder);
    await withEnv({ MODELS_DIR: models }, async () => {
      const trained = lastJson<{ version: string; dir: string; promoted: boolean }>(
        await relevance([
          ...["train", "embeddings", "--catalog", join(root, "catalog.csv"), "--map", "id=uid,title=name"],
          ...["--dimension", "16", "--buckets", "4096", "--epochs", "1", "--batch-size", "32", "--backend", "cpu"],
        ]),
      );
      assert.equal(relative(join(models, "embeddings"), trained.dir), trained.version, `written to ${trained.dir}`);

      const listed = lastJson<{ name: string; version: string; active: boolean }[]>(await relevance(["models", "list"]));
      assert.deepEqual(listed.map((m) => [m.name, m.version, m.active]), [["embeddings", trained.version, false]]);

      await relevance(["models", "promote", "embeddings", trained.version, "--no-reindex"]);
      assert.equal(await activeVersion(models, "embeddings"), trained.version);

      // A flag still overrides the variable for one run.
      assert.deepEqual(lastJson<unknown[]>(await relevance(["models", "list", "--models-dir", join(root, "elsewhere")])), []);
    });
    assert.deepEqual(await snapshot(defaultFolder), before);
  });

  it("--help names the variable and its default", () => {
    for (const path of [["train", "embeddings"], ["models", "list"], ["models", "promote"], ["bench", "enrich"]]) {
      assert.match(help(path), /\(env MODELS_DIR, default rerankers\)/, path.join(" "));
    }
    assert.match(help(["load"]), /\(env PRODUCTS_ALIAS, default products\)/);
  });

  it("setup creates the aliases PRODUCTS_ALIAS, EVENTS_ALIAS and PROFILES_ALIAS name", async () => {
    const aliases = { products: randomName("prod"), events: randomName("ev"), profiles: randomName("prof") };
    const gateway = new OpenSearchGateway({ url: testOpenSearchUrl(), timeoutMs: 30_000 });
    try {
      const env = { OPENSEARCH_URL: testOpenSearchUrl(), PRODUCTS_ALIAS: aliases.products, EVENTS_ALIAS: aliases.events, PROFILES_ALIAS: aliases.profiles, MODELS_DIR: join(root, "no-models") };
      await withEnv(env, () => relevance(["setup"]));
      for (const alias of Object.values(aliases)) {
        const found = await gateway.request<Record<string, unknown>>("GET", `/_alias/${alias}`, undefined, { ignore: [404] });
        assert.equal(found.statusCode, 200, `alias ${alias}`);
        assert.deepEqual(Object.keys(found.body), [`${alias}-000001`]);
      }
    } finally {
      await deleteIndexes(gateway, aliases);
      await gateway.close();
    }
  });

  it("load writes to PRODUCTS_ALIAS, the alias serve would use", async () => {
    const bodies: { index?: string }[] = [];
    const server: Server = createServer((req, res) => {
      let raw = "";
      req.on("data", (chunk: Buffer) => (raw += chunk.toString()));
      req.on("end", () => {
        const body = JSON.parse(raw) as { index?: string; documents: unknown[] };
        bodies.push(body);
        const items = body.documents.map((_, position) => ({ position, id: String(position), status: "indexed" }));
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ index: body.index, model_version: null, counts: { indexed: items.length, unchanged: 0, enriched: 0, failed: 0 }, embedded: 0, items }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const sidecarUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const summary = await withEnv({ SIDECAR_URL: sidecarUrl, PRODUCTS_ALIAS: "shop-a" }, async () =>
        lastJson<{ loaded: number }>(await relevance(["load", "--catalog", join(root, "catalog.csv"), "--map", "id=uid,title=name"])),
      );
      assert.ok(summary.loaded > 0);
      assert.deepEqual([...new Set(bodies.map((b) => b.index))], ["shop-a"]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
