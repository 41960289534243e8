import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { type RequestHandler } from "express";
import { type Logger } from "pino";
import { type ERROR_CODES } from "../errors";
import { OpenSearchTimeoutError, OpenSearchUnavailableError } from "../opensearch";

/** Headers that describe one hop, not the message (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
]);

function forwardableHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
  }
  return out;
}

export interface ProxyOptions {
  target: string;
  timeoutMs: number;
  logger: Logger;
  /** Basic auth added when the caller sent none (the sidecar's own credentials). */
  auth?: { username: string; password: string } | undefined;
}

export interface UpstreamRequest {
  method: string;
  /** Path and query string, e.g. `/products/_bulk?refresh=true`. */
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Sends a buffered request to OpenSearch with the caller's headers (less hop-by-hop and body
 * encoding ones, since the body may have been rewritten) and buffers the answer. Failures are
 * OpenSearch errors, which the error handler answers with 503/504.
 */
export function sendUpstream(options: ProxyOptions, request: UpstreamRequest): Promise<UpstreamResponse> {
  const target = new URL(options.target);
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  const headers = forwardableHeaders(request.headers);
  delete headers["content-encoding"];
  headers["content-length"] = String(request.body.length);
  if (options.auth && !headers.authorization) headers.authorization = basicAuthHeader(options.auth);
  return new Promise((resolve, reject) => {
    const upstream = send(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: request.method,
        path: `${target.pathname.replace(/\/$/, "")}${request.path}`,
        headers,
        timeout: options.timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(chunks) }));
        response.on("error", (err) => reject(new OpenSearchUnavailableError(`OpenSearch answer was cut off: ${err.message}`, { cause: err })));
      },
    );
    upstream.on("timeout", () => {
      upstream.destroy();
      reject(new OpenSearchTimeoutError(`OpenSearch did not answer within ${options.timeoutMs} ms`));
    });
    upstream.on("error", (err) => reject(new OpenSearchUnavailableError(`OpenSearch is unreachable: ${err.message}`, { cause: err })));
    upstream.end(request.body);
  });
}

function basicAuthHeader(auth: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`;
}

/**
 * Forwards any request to OpenSearch unchanged — method, path, query string, headers (including
 * auth) and body, streamed both ways — so an OpenSearch client can point at the sidecar.
 */
export function openSearchProxy(options: ProxyOptions): RequestHandler {
  const target = new URL(options.target);
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  const basicAuth = options.auth ? basicAuthHeader(options.auth) : undefined;

  return (req, res) => {
    const headers = forwardableHeaders(req.headers);
    if (basicAuth && !headers.authorization) headers.authorization = basicAuth;
    const upstream = send({
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: `${target.pathname.replace(/\/$/, "")}${req.originalUrl}`,
      headers,
      timeout: options.timeoutMs,
    });
    let answered = false;
    const fail = (status: number, code: keyof typeof ERROR_CODES, message: string) => {
      if (answered) return;
      answered = true;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.status(status).json({ error: { code, message } });
    };
    upstream.on("response", (response: IncomingMessage) => {
      if (answered) return;
      answered = true;
      res.status(response.statusCode ?? 502);
      for (const [name, value] of Object.entries(forwardableHeaders(response.headers))) {
        if (value !== undefined) res.setHeader(name, value);
      }
      response.pipe(res);
      response.on("error", () => res.destroy());
    });
    upstream.on("timeout", () => {
      upstream.destroy();
      fail(504, "OPENSEARCH_TIMEOUT", `OpenSearch did not answer within ${options.timeoutMs} ms`);
    });
    upstream.on("error", (err) => {
      options.logger.warn({ err, url: req.originalUrl }, "proxy request to OpenSearch failed");
      fail(503, "OPENSEARCH_UNAVAILABLE", `OpenSearch is unreachable: ${err.message}`);
    });
    req.on("aborted", () => upstream.destroy());
    req.pipe(upstream);
  };
}
