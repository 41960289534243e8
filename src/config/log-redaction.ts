/** Header names whose values are credentials. */
const SECRET_HEADERS = ["authorization", "cookie", "set-cookie", "x-api-key", "proxy-authorization"] as const;

/**
 * pino `redact` paths: credential headers of requests and responses as pino-http logs them
 * (`req.headers`, `res.headers`), and the same under `headers` for anything else that logs them.
 */
export const LOG_REDACT_PATHS: readonly string[] = ["req.headers", "res.headers", "headers"].flatMap((at) =>
  SECRET_HEADERS.map((name) => `${at}["${name}"]`),
);

/** What a redacted value is logged as. */
export const REDACTED = "[redacted]";

/**
 * A URL fit for a log or a message: a user name and password in it (`http://user:pass@host`) are
 * replaced, the rest is kept. Text that does not parse as a URL but has an `@` is replaced whole.
 */
export function redactUrlCredentials(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.includes("@") ? REDACTED : url;
  }
  if (parsed.username === "" && parsed.password === "") return url;
  // Keep the text as given, only the user information between "//" and the authority's last "@" goes.
  const start = url.indexOf("//") + 2;
  let end = start;
  while (end < url.length && !"/?#\\".includes(url.charAt(end))) end++;
  const at = url.lastIndexOf("@", end);
  return start >= 2 && at >= start ? `${url.slice(0, start)}${REDACTED}${url.slice(at)}` : REDACTED;
}
