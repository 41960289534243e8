import { type Logger } from "pino";
import { type SidecarConfig } from "../config";
import { reloadPromotedModels, type LoadModelsOptions } from "./load-models";
import { type ActiveModels } from "./served-models";

export interface ReloadSignalOptions {
  /** @defaultValue "SIGHUP" */
  signal?: NodeJS.Signals;
  /** How the models are loaded again (as at start-up). @defaultValue {} */
  loading?: LoadModelsOptions;
}

/**
 * Re-reads the promoted models of every kind into `models` whenever the process receives `signal`
 * (`relevance models promote …` then `kill -HUP`), in `serve` and in the worker alike.
 * @returns a function that stops listening
 */
export function reloadModelsOnSignal(models: ActiveModels, config: SidecarConfig, logger: Logger, options: ReloadSignalOptions = {}): () => void {
  const signal = options.signal ?? "SIGHUP";
  const reload = () => {
    reloadPromotedModels(models, config, logger, options.loading).catch((err: unknown) => logger.error({ err }, "model reload failed; still serving the previous models"));
  };
  process.on(signal, reload);
  return () => {
    process.off(signal, reload);
  };
}
