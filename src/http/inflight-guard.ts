import { type RequestHandler } from "express";
import { declaredLength, parseByteSize, reservationFor, type InflightBudget } from "./proxy";

/**
 * Holds a `/v1` JSON body's bytes in the shared in-flight budget before express.json reads it: the
 * declared length, or the whole body limit when the length is not declared (chunked). A request
 * that does not fit is answered 429 OVERLOADED with `Retry-After`.
 */
export function inflightGuard(budget: InflightBudget, bodyLimit: string): RequestHandler {
  const limit = parseByteSize(bodyLimit);
  return (req, res, next) => {
    const declared = declaredLength(req);
    const bytes = declared !== undefined ? Math.min(declared, limit) : req.headers["transfer-encoding"] !== undefined ? limit : 0;
    if (bytes > 0) reservationFor(res, budget).grow(bytes);
    next();
  };
}
