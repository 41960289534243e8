import express, { type RequestHandler } from "express";
import { UnsupportedMediaTypeError } from "../errors";

/**
 * JSON body parsing for the sidecar's own API: a size limit, and a clear error instead of an empty
 * body when the client forgot the content type.
 */
export function jsonBody(limit: string): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    const hasBody = req.headers["content-length"] !== "0" && (req.headers["content-length"] !== undefined || req.headers["transfer-encoding"] !== undefined);
    if (hasBody && !req.is("application/json")) {
      next(new UnsupportedMediaTypeError(`expected content-type application/json, got ${req.headers["content-type"] ?? "none"}`));
      return;
    }
    next();
  };
  return [requireJson, express.json({ limit, strict: true })];
}
