import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { JUDGMENT_FORMATS, formatCsvJudgments, readJudgments, splitJudgments, type JudgmentFormat, type JudgmentGroup } from "../../eval";

interface SplitCommandOptions {
  judgments: string;
  trainOut: string;
  testOut: string;
  testFraction: number;
  seed: number;
  format?: JudgmentFormat;
}

function fraction(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError("expected a number between 0 and 1.");
  return n;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError("expected an integer.");
  return n;
}

async function writeCsv(path: string, groups: readonly JudgmentGroup[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, formatCsvJudgments(groups));
}

const rowCount = (groups: readonly JudgmentGroup[]): number => groups.reduce((sum, g) => sum + g.grades.size, 0);
const queryCount = (groups: readonly JudgmentGroup[]): number => new Set(groups.map((g) => g.query)).size;

async function runSplit(options: SplitCommandOptions): Promise<void> {
  const judgments = await readJudgments(options.judgments, options.format);
  if (judgments.duplicates > 0) process.stderr.write(`${judgments.duplicates} duplicate judgment(s); the later row of each was kept\n`);
  const { train, test } = splitJudgments(judgments.groups, { testFraction: options.testFraction, seed: options.seed });
  await writeCsv(options.trainOut, train);
  await writeCsv(options.testOut, test);
  const summary = { train_queries: queryCount(train), test_queries: queryCount(test), train_rows: rowCount(train), test_rows: rowCount(test) };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

/** `relevance judgments ...`: tools for judgment files. */
export function judgmentsCommand(): Command {
  const judgments = new Command("judgments").description("work with judgment files");
  judgments
    .command("split")
    .description("split judgments into query-disjoint train and test CSV files (stable hash of the query text)")
    .requiredOption("--judgments <file>", "judgments: CSV, SRW JSON or TREC qrels")
    .requiredOption("--train-out <file>", "CSV file for the training queries")
    .requiredOption("--test-out <file>", "CSV file for the test queries")
    .option("--test-fraction <f>", "share of queries that go to the test file", fraction, 0.3)
    .option("--seed <n>", "seed mixed into the hash; another seed gives another split", integer, 42)
    .addOption(new Option("--format <format>", "judgment file format (default: detected)").choices(JUDGMENT_FORMATS))
    .action(async (_args: unknown, command: Command) => {
      await runSplit(command.opts<SplitCommandOptions>());
    });
  return judgments;
}
