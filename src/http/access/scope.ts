import { type Response } from "express";
import { ACCESS_SCOPES as SCOPES, type AccessScope as Scope } from "../../config";

export { SCOPES, type Scope };

/** True when a caller holding `have` may do what needs `need`. */
export function scopeAllows(have: Scope, need: Scope): boolean {
  return SCOPES.indexOf(have) >= SCOPES.indexOf(need);
}

/** What the access check decided for one request; later handlers read it with {@link accessOf}. */
export interface AccessDecision {
  /** The caller's scope (from its key, or the anonymous scope). */
  readonly scope: Scope;
  /**
   * A check of the buffered request body, for APIs whose body can name other indexes than the path
   * (`_msearch` header lines, `_mget` docs). The proxy runs it before forwarding; it throws a
   * ForbiddenError when the body reaches beyond the caller's scope.
   */
  readonly checkBody?: (body: Buffer) => void;
}

const ACCESS = Symbol("access");

export function setAccess(res: Response, decision: AccessDecision): void {
  (res.locals as Record<symbol, AccessDecision>)[ACCESS] = decision;
}

/** The decision the access check made for this request; `search` with no body check when none ran. */
export function accessOf(res: Response): AccessDecision {
  return (res.locals as Record<symbol, AccessDecision | undefined>)[ACCESS] ?? { scope: "search" };
}
