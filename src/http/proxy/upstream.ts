import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { createGunzip, createInflate } from "node:zlib";
import { type Logger } from "pino";
import { OpenSearchTimeoutError, OpenSearchUnavailableError } from "../../opensearch";

export interface ProxyOptions {
  /** OpenSearch's base URL, parsed once when the options are built (not on every request). */
  target: URL;
  timeoutMs: number;
  logger: Logger;
  /** PEM of the CA to trust for an https target (OPENSEARCH_CA_FILE). @defaultValue the system's CAs */
  ca?: Buffer | undefined;
}

export interface UpstreamRequest {
  method: string;
  /** Path and query string, e.g. `/products/_bulk?refresh=true`. */
  path: string;
  /** End-to-end headers only (see header-hygiene); `content-length` is set here. */
  headers: OutgoingHttpHeaders;
  /** The whole body, as one buffer or as pieces written in order. */
  body: Buffer | readonly Buffer[];
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Sends one request to OpenSearch with a framed body (always a `content-length`, never an unframed
 * stream on a pooled socket) and resolves with the answer's stream. Transport failures are raised
 * here, as OpenSearch errors the error handler answers with 503/504.
 */
export function openUpstream(options: ProxyOptions, request: UpstreamRequest): Promise<IncomingMessage> {
  const target = options.target;
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  const pieces = Buffer.isBuffer(request.body) ? [request.body] : request.body;
  const length = pieces.reduce((sum, piece) => sum + piece.length, 0);
  const headers: OutgoingHttpHeaders = { ...request.headers, "content-length": String(length) };
  return new Promise((resolve, reject) => {
    const upstream = send({
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      method: request.method,
      path: `${target.pathname.replace(/\/$/, "")}${request.path}`,
      headers,
      timeout: options.timeoutMs,
      ...(options.ca && target.protocol === "https:" ? { ca: options.ca } : {}),
    });
    upstream.on("response", resolve);
    upstream.on("timeout", () => {
      upstream.destroy();
      reject(new OpenSearchTimeoutError(`OpenSearch did not answer within ${options.timeoutMs} ms`));
    });
    upstream.on("error", (err) => reject(new OpenSearchUnavailableError(`OpenSearch is unreachable: ${err.message}`, { cause: err })));
    upstream.cork();
    for (const piece of pieces) upstream.write(piece);
    upstream.uncork();
    upstream.end();
  });
}

/**
 * {@link openUpstream}, with the answer buffered and decoded (gzip/deflate) so that the sidecar can
 * read it — callers ask for `identity`, but an answer compressed anyway is still understood.
 */
export async function sendUpstream(options: ProxyOptions, request: UpstreamRequest): Promise<UpstreamResponse> {
  const response = await openUpstream(options, request);
  const coding = String(response.headers["content-encoding"] ?? "identity").toLowerCase();
  const decoder = coding === "gzip" || coding === "x-gzip" ? createGunzip() : coding === "deflate" ? createInflate() : undefined;
  const stream = decoder ? response.pipe(decoder) : response;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => {
      const headers = { ...response.headers };
      if (decoder) {
        delete headers["content-encoding"];
        delete headers["content-length"];
      }
      resolve({ status: response.statusCode ?? 502, headers, body: Buffer.concat(chunks) });
    });
    const cutOff = (err: Error) => reject(new OpenSearchUnavailableError(`OpenSearch answer was cut off: ${err.message}`, { cause: err }));
    response.on("error", cutOff);
    decoder?.on("error", cutOff);
  });
}
