/** Paths whose remainder is a caller's raw user id: never logged as sent. */
const USER_ID_PATH_PREFIXES = ["/v1/profiles/"];

function decodedPath(url: string): string {
  let path = url;
  try {
    path = decodeURIComponent(url);
  } catch {
    // A malformed escape: judge the text as sent.
  }
  return path.replace(/\/+/g, "/").toLowerCase();
}

/**
 * A request URL fit for the logs: the raw user id in `/v1/profiles/<user_id>` (and any query string
 * after it) becomes `[redacted]`. Express matches routes case-insensitively, so the check is too, and
 * it also sees through percent-escapes and doubled slashes.
 */
export function redactUrl(url: string): string {
  const path = decodedPath(url);
  for (const prefix of USER_ID_PATH_PREFIXES) {
    if (path.startsWith(prefix)) return `${prefix}[redacted]`;
  }
  return url;
}

interface SerializedRequestLike {
  url?: unknown;
  params?: unknown;
  query?: unknown;
}

/**
 * pino serializers that keep raw user ids out of the logs: pino-http's `req` (URL, route params,
 * query) and any `url` field logged beside an error.
 */
export const redactingSerializers = {
  req: <R extends SerializedRequestLike>(req: R): R => {
    const redacted = typeof req.url === "string" ? redactUrl(req.url) : undefined;
    // A URL that carries a raw user id: its params and query must not be logged either.
    if (redacted !== undefined && redacted !== req.url) {
      req.url = redacted;
      req.params = {};
      req.query = {};
    }
    return req;
  },
  url: (url: unknown): unknown => (typeof url === "string" ? redactUrl(url) : url),
};
