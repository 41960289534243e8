import { type RequestHandler } from "express";
import { accessOf } from "./access";
import { endToEndHeaders, openUpstream, readRequestBody, relayResponse, reservationFor, type InflightBudget, type ProxyOptions } from "./proxy";

export { sendUpstream } from "./proxy";
export type { ProxyOptions, UpstreamRequest, UpstreamResponse } from "./proxy";

/** How proxied request bodies are held: a size limit and the shared in-flight budget. */
export interface BodyPolicy {
  /** Largest body, in bytes, counted after decoding. */
  limit: number;
  budget: InflightBudget;
}

/**
 * Forwards any request to OpenSearch — method, path, query string, end-to-end headers (including
 * the caller's auth and `accept-encoding`) — so an OpenSearch client can point at the sidecar.
 * The request body is buffered (bounded, decoded from gzip/deflate) and sent with a
 * `content-length`; the answer is streamed back as OpenSearch sent it, compressed or not.
 */
export function openSearchProxy(options: ProxyOptions, bodyPolicy: BodyPolicy): RequestHandler {
  return async (req, res) => {
    const reservation = reservationFor(res, bodyPolicy.budget);
    const body = await readRequestBody(req, { limit: bodyPolicy.limit, reservation });
    accessOf(res).checkBody?.(body);
    // The body was decoded, and gets a fresh length; the host is OpenSearch's.
    const headers = endToEndHeaders(req.headers, ["host", "content-length", "content-encoding", "expect"]);
    const upstream = await openUpstream(options, { method: req.method, path: req.originalUrl, headers, body });
    relayResponse(upstream, res);
  };
}
