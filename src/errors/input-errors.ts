import { SidecarError } from "./sidecar-error";

/** Bad input from a caller: always a 4xx, never logged as a server fault. */
export abstract class InputError extends SidecarError {}

export class InvalidJsonError extends InputError {
  readonly code = "INVALID_JSON" as const;
}

export class ValidationError extends InputError {
  readonly code = "INVALID_REQUEST" as const;
}

export class UnknownPipelineError extends InputError {
  readonly code = "UNKNOWN_PIPELINE" as const;
}

export class UnsupportedMediaTypeError extends InputError {
  readonly code = "UNSUPPORTED_MEDIA_TYPE" as const;
}

export class PayloadTooLargeError extends InputError {
  readonly code = "PAYLOAD_TOO_LARGE" as const;
}

export class NotFoundError extends InputError {
  readonly code = "NOT_FOUND" as const;
}
