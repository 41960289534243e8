// Public surface of the sidecar client: one HTTP client of the sidecar's API for the CLI, the lab and the benches.
export { SidecarClient } from "./sidecar-client";
export type { SidecarClientOptions, RequestOptions, SidecarResponse } from "./sidecar-client";
export type { RetryPolicyOptions } from "./retry-policy";
export { SidecarClientError, SidecarUnreachableError, SidecarTimeoutError, SidecarStatusError, SidecarResponseError, TRANSIENT_STATUSES } from "./client-errors";
export type { SearchBody, SearchResult, EnrichRequestOptions, ProfileView, ProfileRequestOptions } from "./sidecar-api";
