import { type IncomingMessage } from "node:http";
import { type Response } from "express";
import { endToEndHeaders } from "./header-hygiene";

/**
 * Streams OpenSearch's answer to the caller: status, end-to-end headers (hop-by-hop and
 * `Connection`-listed ones stripped; `content-encoding` and `content-length` kept, the bytes are
 * OpenSearch's own) and body.
 */
export function relayResponse(upstream: IncomingMessage, res: Response): void {
  res.status(upstream.statusCode ?? 502);
  for (const [name, value] of Object.entries(endToEndHeaders(upstream.headers))) {
    if (value !== undefined) res.setHeader(name, value);
  }
  upstream.on("error", () => res.destroy());
  res.on("close", () => {
    if (!upstream.complete) upstream.destroy();
  });
  upstream.pipe(res);
}
