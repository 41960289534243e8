import { type ErrorRequestHandler } from "express";
import { type Logger } from "pino";
import { InvalidJsonError, PayloadTooLargeError, SidecarError, ERROR_CODES, InputError } from "../errors";

/** body-parser's errors carry a `type`; we name them by that, not by message text. */
interface BodyParserError extends Error {
  type?: string;
  status?: number;
}

function fromBodyParser(err: BodyParserError): SidecarError | undefined {
  if (err.type === "entity.parse.failed") return new InvalidJsonError("request body is not valid JSON", { cause: err });
  if (err.type === "entity.too.large") return new PayloadTooLargeError("request body is larger than the configured limit", { cause: err });
  return undefined;
}

/**
 * The one place errors become HTTP answers: known errors keep their stable code and status,
 * anything else is logged and answered as a bare 500.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const known = err instanceof SidecarError ? err : err instanceof Error ? fromBodyParser(err) : undefined;
    if (res.headersSent) {
      logger.error({ err, url: req.originalUrl }, "error after the response started");
      res.destroy();
      return;
    }
    if (known) {
      if (!(known instanceof InputError)) logger.warn({ err: known, url: req.originalUrl }, known.message);
      res.status(known.status).json({
        error: { code: known.code, message: known.message, ...(known.details === undefined ? {} : { details: known.details }) },
      });
      return;
    }
    logger.error({ err, url: req.originalUrl }, "unhandled error");
    res.status(ERROR_CODES.INTERNAL.status).json({ error: { code: "INTERNAL", message: "internal error" } });
  };
}
