import { ValidationError } from "../../errors";

/** A request target split for the access policy: decoded path segments and the raw query string. */
export interface RequestPath {
  /**
   * The decoded path segments (`/products/_doc/a%20b` → `["products", "_doc", "a b"]`, `/` → `[]`), or
   * `undefined` for a path no rule below admin may match: `.`/`..` segments, empty segments, encoded
   * slashes, backslashes or control characters. OpenSearch and the sidecar's own router could each read
   * such a path differently from the policy, so it is only ever admin's.
   */
  readonly segments: readonly string[] | undefined;
  /** The query string without its `?`; `""` when there is none. */
  readonly query: string;
}

/**
 * Reads a request target (`req.originalUrl`). A malformed percent-escape is the caller's mistake:
 * a 400 ValidationError, for every caller, before any router tries to decode it.
 */
export function readRequestPath(target: string): RequestPath {
  const mark = target.indexOf("?");
  const path = mark < 0 ? target : target.slice(0, mark);
  const query = mark < 0 ? "" : target.slice(mark + 1);
  if (!path.startsWith("/")) {
    throw new ValidationError("the request target must be a path starting with /");
  }
  if (path === "/") return { segments: [], query };
  const decoded = path.slice(1).split("/").map(decodeSegment);
  return { segments: decoded.every(isPlainSegment) ? decoded : undefined, query };
}

function decodeSegment(segment: string): string {
  if (!segment.includes("%")) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ValidationError("the request path has a malformed percent-escape");
  }
}

function isPlainSegment(segment: string): boolean {
  if (segment === "" || segment === "." || segment === "..") return false;
  for (let i = 0; i < segment.length; i++) {
    const code = segment.charCodeAt(i);
    // "/" can only be here when it was encoded (%2F); "\" is a separator to some servers.
    if (code < 0x20 || code === 0x7f || code === 0x2f || code === 0x5c) return false;
  }
  return true;
}
