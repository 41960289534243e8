import { type ErrorRequestHandler } from "express";
import { type Logger } from "pino";
import {
  InvalidJsonError,
  OverloadedError,
  PayloadTooLargeError,
  SidecarError,
  ERROR_CODES,
  InputError,
  UnsupportedMediaTypeError,
  ValidationError,
} from "../errors";

/** body-parser's and express's client errors carry a `type` and/or a 4xx `status`; we name them by those, not by message text. */
interface HttpClientError extends Error {
  type?: string;
  status?: number;
  statusCode?: number;
}

function fromHttpLayer(err: HttpClientError): SidecarError | undefined {
  switch (err.type) {
    case "entity.parse.failed":
      return new InvalidJsonError("request body is not valid JSON", { cause: err });
    case "entity.too.large":
      return new PayloadTooLargeError("request body is larger than the configured limit", { cause: err });
    case "charset.unsupported":
      return new UnsupportedMediaTypeError(`${err.message}: send the body as UTF-8`, { cause: err });
    case "encoding.unsupported":
      return new UnsupportedMediaTypeError("unsupported content-encoding: send identity, gzip or deflate", { cause: err });
    case "entity.verify.failed":
      return new ValidationError("request body was refused", { cause: err });
    case "request.aborted":
      return new ValidationError("the client aborted the request body", { cause: err });
    case "request.size.invalid":
      return new ValidationError("request body length does not match content-length", { cause: err });
    case "parameters.too.many":
      return new PayloadTooLargeError("too many parameters in the request body", { cause: err });
    default:
      break;
  }
  const status = err.status ?? err.statusCode;
  // Any other client error from the HTTP layer (express's path decoding: `%` escapes that are not UTF-8).
  if (typeof status === "number" && status >= 400 && status < 500) {
    if (status === 413) return new PayloadTooLargeError("request body is larger than the configured limit", { cause: err });
    if (status === 415) return new UnsupportedMediaTypeError("unsupported request body encoding", { cause: err });
    return new ValidationError(err instanceof URIError ? "the request path has a malformed % escape" : "the request is malformed", { cause: err });
  }
  return undefined;
}

/**
 * The one place errors become HTTP answers: known errors keep their stable code and status,
 * anything else is logged and answered as a bare 500.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const known = err instanceof SidecarError ? err : err instanceof Error ? fromHttpLayer(err) : undefined;
    if (res.headersSent) {
      logger.error({ err, url: req.originalUrl }, "error after the response started");
      res.destroy();
      return;
    }
    if (known) {
      if (!(known instanceof InputError)) logger.warn({ err: known, url: req.originalUrl }, known.message);
      if (known instanceof OverloadedError) res.setHeader("retry-after", String(known.retryAfterSeconds));
      res.status(known.status).json({
        error: { code: known.code, message: known.message, ...(known.details === undefined ? {} : { details: known.details }) },
      });
      return;
    }
    logger.error({ err, url: req.originalUrl }, "unhandled error");
    res.status(ERROR_CODES.INTERNAL.status).json({ error: { code: "INTERNAL", message: "internal error" } });
  };
}
