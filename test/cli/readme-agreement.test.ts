import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Command } from "commander";
import { buildProgram } from "../../src/cli/main";
import { projectRoot } from "../../src/config";

/** Connection flags are documented once, above the table, for every command that talks to a service. */
const CONNECTION_FLAGS = new Set(["--opensearch-url", "--sidecar-url", "--redis-url"]);

function leafCommands(command: Command, path: string[] = []): { path: string; flags: string[] }[] {
  if (command.commands.length === 0) return [{ path: path.join(" "), flags: command.options.map((o) => o.long ?? "").filter((f) => f !== "" && !CONNECTION_FLAGS.has(f)) }];
  return command.commands.flatMap((sub) => leafCommands(sub, [...path, sub.name()]));
}

/** The README's command table, one entry per documented command: its path and the flags its synopsis shows. */
function documentedCommands(): Map<string, string[]> {
  const readme = readFileSync(join(projectRoot(), "README.md"), "utf8");
  const table = readme.split("## Command line")[1]?.split("\n### ")[0] ?? "";
  const documented = new Map<string, string[]>();
  for (const row of table.split("\n").filter((line) => line.startsWith("| `relevance "))) {
    const firstCell = row.split(/ \| /)[0] ?? "";
    let parent: string[] = [];
    for (const synopsis of [...firstCell.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string)) {
      const words = synopsis.replace(/^relevance /, "").split(" ");
      const path = words.filter((w, i) => /^[a-z]+$/.test(w) && words.slice(0, i).every((p) => /^[a-z]+$/.test(p)));
      const full = synopsis.startsWith("relevance ") ? path : [...parent.slice(0, parent.length - path.length), ...path];
      if (synopsis.startsWith("relevance ")) parent = path;
      documented.set(full.join(" "), [...synopsis.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]));
    }
  }
  return documented;
}

/** Other tools call the CLI as the README documents it: the table and `--help` must agree. */
describe("README command table", () => {
  const documented = documentedCommands();
  const actual = leafCommands(buildProgram());

  it("documents every command the CLI has, and no other", () => {
    assert.deepEqual([...documented.keys()].sort(), actual.map((c) => c.path).sort());
  });

  it("shows every flag of each command, and only flags the command accepts", () => {
    const disagreements = actual.flatMap((command) => {
      const shown = new Set(documented.get(command.path) ?? []);
      const missing = command.flags.filter((f) => !shown.has(f));
      const unknown = [...shown].filter((f) => !command.flags.includes(f));
      return missing.length + unknown.length === 0 ? [] : [`relevance ${command.path}: not in README ${missing.join(" ")}; not accepted ${unknown.join(" ")}`];
    });
    assert.deepEqual(disagreements, []);
  });
});
