import { SidecarError } from "../errors";

/** Root of the model boundary's errors; the HTTP handler maps the code to a status. */
export abstract class ModelError extends SidecarError {}

/** No usable model (none promoted, files missing or unreadable, no backend): requests needing it get a 503. */
export class ModelUnavailableError extends ModelError {
  readonly code = "MODEL_UNAVAILABLE" as const;
}

/** A model's files exist but are not a valid model of the expected kind and shape. */
export class ModelFormatError extends ModelUnavailableError {
  constructor(
    readonly dir: string,
    problem: string,
    options: { cause?: unknown } = {},
  ) {
    super(`model at ${dir} is not usable: ${problem}`, options);
  }
}

/** No TensorFlow.js backend could be started; `details` lists every attempt with its reason. */
export class BackendUnavailableError extends ModelUnavailableError {}

/** The model failed while computing (for example a tensor op threw). */
export class ModelFailedError extends ModelError {
  readonly code = "MODEL_FAILED" as const;
}
