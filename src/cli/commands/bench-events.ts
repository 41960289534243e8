import { Command } from "commander";
import { benchEvents } from "../../bench";
import { note, positiveInt, printSummary } from "../output";
import { benchConfig } from "./bench-config";

interface BenchEventsFlags {
  events: number;
  batchSize: number;
  concurrency: number;
  users: number;
  trials: number;
  opensearchUrl?: string;
  redisUrl?: string;
}

/** `relevance bench events`: ingest throughput and event→profile visibility, with Redis's own round trip as the reference. */
export function benchEventsCommand(): Command {
  return new Command("events")
    .description(
      "events/second end to end through POST /v1/events (OpenSearch + Redis) and the time from sending one event to seeing it in GET /v1/profiles, against a throw-away sidecar in this process; the same run's Redis PING is the reference",
    )
    .option("--events <n>", "synthetic events sent for the throughput figure", positiveInt("--events"), 20_000)
    .option("--batch-size <n>", "events per request", positiveInt("--batch-size"), 500)
    .option("--concurrency <n>", "requests in flight", positiveInt("--concurrency"), 2)
    .option("--users <n>", "synthetic users the events are spread over", positiveInt("--users"), 1000)
    .option("--trials <n>", "send-then-read trials for the visibility latency", positiveInt("--trials"), 200)
    .option("--opensearch-url <url>", "OpenSearch URL (env OPENSEARCH_URL)")
    .option("--redis-url <url>", "Redis URL (env REDIS_URL)")
    .action(async (flags: BenchEventsFlags) => {
      const config = benchConfig(flags);
      const result = await benchEvents({
        config,
        events: flags.events,
        batchSize: flags.batchSize,
        concurrency: flags.concurrency,
        users: flags.users,
        trials: flags.trials,
        onPhase: (phase) => note(`${phase}…`),
      });
      const i = result.ingest;
      note(`ingest      ${i.events_per_second.toFixed(0).padStart(7)} events/s  (${i.accepted}/${i.events} accepted in ${i.seconds} s, batches of ${i.batch_size}, ${i.concurrency} in flight)`);
      const v = result.visibility;
      note(`visibility  p50 ${v.p50_ms} ms  p99 ${v.p99_ms} ms  max ${v.max_ms} ms  (${v.samples} trials${v.not_visible ? `, ${v.not_visible} not visible within 2 s` : ""}; send one event → seen in GET /v1/profiles)`);
      const p = result.single_event_post;
      note(`  of which the POST  p50 ${p.p50_ms} ms  p99 ${p.p99_ms} ms  (durable bulk create in OpenSearch, then the Redis profile update)`);
      const r = result.redis_ping;
      note(`redis PING  p50 ${r.p50_ms} ms  p99 ${r.p99_ms} ms  (reference, same run)`);
      note(`setup: ${result.setup}`);
      printSummary({ bench: "events", baseline: "redis_ping", ...result });
    });
}
