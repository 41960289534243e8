import { type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http";

/** Headers that describe one hop, not the message (RFC 9110 §7.6.1), plus the legacy proxy ones. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/**
 * Header names listed in `Connection` (`Connection: keep-alive, X-Internal`) are hop-by-hop too.
 * Split by comma only; names are tokens, so no regex is needed.
 */
function connectionListed(headers: IncomingHttpHeaders): Set<string> {
  const listed = new Set<string>();
  const value: string | string[] | undefined = headers.connection;
  const values: readonly string[] = typeof value === "string" ? [value] : (value ?? []);
  for (const entry of values) {
    for (const name of entry.split(",")) {
      const trimmed = name.trim().toLowerCase();
      if (trimmed !== "") listed.add(trimmed);
    }
  }
  return listed;
}

/**
 * The end-to-end headers of a message: hop-by-hop headers, those named in `Connection`, and any
 * in `drop` (for example `host` and `content-length`, which the next hop gets fresh) are removed.
 */
export function endToEndHeaders(headers: IncomingHttpHeaders, drop: readonly string[] = []): OutgoingHttpHeaders {
  const listed = connectionListed(headers);
  const dropped = new Set(drop);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name) || dropped.has(name)) continue;
    out[name] = value;
  }
  return out;
}
