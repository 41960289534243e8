export { ERROR_CODES, type ErrorCode } from "./error-codes";
export { SidecarError } from "./sidecar-error";
export {
  InputError,
  InvalidJsonError,
  ValidationError,
  UnknownPipelineError,
  UnsupportedMediaTypeError,
  PayloadTooLargeError,
  NotFoundError,
} from "./input-errors";
export { AccessError, UnauthenticatedError, ForbiddenError, OverloadedError } from "./access-errors";
