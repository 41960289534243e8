import { Command } from "commander";
import { loadConfig } from "../../config";
import { openJobQueue, type JobQueue, type JobView } from "../../jobs";
import { note, positiveInt, printSummary, progressBar } from "../output";

interface JobsFlags {
  watch?: boolean;
  failed?: boolean;
  limit: number;
}

/** How often `--watch` reads the job. */
const WATCH_INTERVAL_MS = 500;
const FINISHED = new Set(["completed", "failed"]);

function line(job: JobView): string {
  const progress = job.progress ? `${job.progress.phase} ${job.progress.done}/${job.progress.total}` : "-";
  const failure = job.failure ? `  ${job.failure}` : "";
  return `${job.id}\t${job.type}\t${job.state}\t${job.alias}\t${job.model_version ?? "-"}\t${progress}\t${job.created_at}${failure}`;
}

/** Follows one job until it completes or fails: a progress bar on a TTY, phase changes on stderr otherwise. */
async function watch(queue: JobQueue, id: string): Promise<JobView | null> {
  let view = await queue.get(id);
  if (!view) return null;
  const bar = progressBar(`job ${id}`, view.progress?.total ?? 0);
  let phase = view.progress?.phase ?? null;
  let done = 0;
  try {
    for (;;) {
      if (view.progress) {
        bar.setTotal(view.progress.total);
        bar.increment(Math.max(0, view.progress.done - done));
        done = Math.max(done, view.progress.done);
        if (view.progress.phase !== phase && !process.stdout.isTTY) note(`${id}: ${view.progress.phase} ${view.progress.done}/${view.progress.total}`);
        phase = view.progress.phase;
      }
      if (FINISHED.has(view.state)) return view;
      await new Promise((resolve) => setTimeout(resolve, WATCH_INTERVAL_MS));
      const next = await queue.get(id);
      if (!next) return view;
      view = next;
    }
  } finally {
    bar.stop();
  }
}

/** `relevance jobs [ID] [--watch]`: the rebuild queue's jobs, read from JOBS_QUEUE on REDIS_URL. */
export function jobsCommand(): Command {
  return new Command("jobs")
    .description("list the rebuild queue's recent jobs (JOBS_QUEUE on REDIS_URL), or show one; --watch follows it with a progress bar until it ends")
    .argument("[id]", "one job")
    .option("--watch", "follow the job until it completes or fails")
    .option("--failed", "only the dead letters (attempts spent), with their failure reasons")
    .option("--limit <n>", "jobs listed, newest first", positiveInt("--limit"), 50)
    .action(async (id: string | undefined, flags: JobsFlags) => {
      if (flags.watch && !id) throw new Error("--watch needs a job id");
      const config = loadConfig();
      const opened = openJobQueue(config);
      const queue = opened.queue;
      try {
        if (id) {
          const view = flags.watch ? await watch(queue, id) : await queue.get(id);
          if (!view) throw new Error(`no job ${id} in ${config.jobsQueue}`);
          note(line(view));
          printSummary({ ...view });
          if (flags.watch && view.state === "failed") process.exitCode = 1;
          return;
        }
        const jobs = flags.failed ? await queue.failed(flags.limit) : await queue.list(flags.limit);
        for (const job of jobs) note(line(job));
        printSummary({ jobs });
      } finally {
        await opened.close();
      }
    });
}
