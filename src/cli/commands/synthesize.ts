import { createWriteStream } from "node:fs";
import { Command } from "commander";
import { generateSampleCatalog } from "../../synthetic";
import { positiveInt, printSummary } from "../output";
import { synthesizeSessionsCommand } from "./synthesize-sessions";

/** `relevance synthesize catalog`: a tagged synthetic catalog as JSONL. */
export function synthesizeCommand(): Command {
  const command = new Command("synthesize").description("generate synthetic data (every record is tagged synthetic)");
  command
    .command("catalog")
    .description("write a synthetic product catalog as JSONL")
    .requiredOption("--out <file>", "output JSONL file")
    .option("--count <n>", "products to generate", positiveInt("--count"), 2000)
    .option("--seed <n>", "random seed", positiveInt("--seed"), 42)
    .action(async (flags: { out: string; count: number; seed: number }) => {
      const out = createWriteStream(flags.out);
      let written = 0;
      for (const product of generateSampleCatalog({ count: flags.count, seed: flags.seed })) {
        if (!out.write(`${JSON.stringify(product)}\n`)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
        written += 1;
      }
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
      printSummary({ products: written, out: flags.out, synthetic: true });
    });
  command.addCommand(synthesizeSessionsCommand());
  return command;
}
