export { SCOPES, scopeAllows, setAccess, accessOf } from "./scope";
export type { Scope, AccessDecision } from "./scope";
export { accessControl } from "./access-control";
export type { AccessControlOptions } from "./access-control";
export { ACCESS_POLICY, AccessPolicy, productsIndexMatcher } from "./access-policy";
export type { AccessRule, RequiredAccess, BodyFormat, IndexMatcher } from "./access-policy";
