export { SCOPES, scopeAllows, setAccess, accessOf } from "./scope";
export type { Scope, AccessDecision } from "./scope";
