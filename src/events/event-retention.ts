import { type Logger } from "pino";
import { type EventStore } from "./event-store";
import { MS_PER_DAY } from "../shared/time-units";


/** Deletes every stored event older than the retention; returns how many went. */
export async function purgeExpiredEvents(store: EventStore, retentionDays: number, now = Date.now()): Promise<number> {
  return store.deleteOlderThan(now - retentionDays * MS_PER_DAY);
}

export interface RetentionSweepOptions {
  store: EventStore;
  retentionDays: number;
  logger: Logger;
  /** Time between sweeps. @defaultValue 3600000 (one hour) */
  intervalMs?: number;
  /** Delay of the first sweep after start-up. @defaultValue 10000 */
  firstDelayMs?: number;
}

export interface RetentionSweep {
  stop(): void;
}

/**
 * Runs {@link purgeExpiredEvents} periodically. A failed sweep is logged and tried again at the next
 * interval; the timers never keep the process alive.
 */
export function startRetentionSweep(options: RetentionSweepOptions): RetentionSweep {
  const intervalMs = options.intervalMs ?? 3_600_000;
  let running = false;
  const sweep = () => {
    if (running) return;
    running = true;
    const started = performance.now();
    purgeExpiredEvents(options.store, options.retentionDays)
      .then((deleted) => {
        options.logger.info({ deleted, retention_days: options.retentionDays, ms: Math.round(performance.now() - started) }, "event retention sweep");
      })
      .catch((err: unknown) => options.logger.error({ err }, "event retention sweep failed; retrying at the next interval"))
      .finally(() => {
        running = false;
      });
  };
  const first = setTimeout(sweep, options.firstDelayMs ?? 10_000);
  const every = setInterval(sweep, intervalMs);
  first.unref();
  every.unref();
  return {
    stop: () => {
      clearTimeout(first);
      clearInterval(every);
    },
  };
}
