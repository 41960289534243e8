export { OpenSearchGateway } from "./gateway";
export { readClusterCa } from "./cluster-ca";
export { gatewayFromConfig } from "./gateway-from-config";
export { CachedMget } from "./cached-mget";
export type { CachedMgetOptions, CachedMgetRead } from "./cached-mget";
export type { OpenSearchGatewayOptions, CallOptions, HttpMethod, GatewayResponse, SearchHitBody, SearchResponseBody, MultiSearchItem, MultiGetRequestDoc, MultiGetDoc } from "./gateway";
export { OpenSearchError, OpenSearchUnavailableError, OpenSearchTimeoutError, OpenSearchRejectedError } from "./errors";
export {
  INDEX_KINDS,
  setupIndexes,
  deleteIndexes,
  indexesBehindAlias,
  versionedIndexName,
  indexGeneration,
  buildIndexTemplate,
} from "./index-setup";
export type { IndexKind, IndexSetupOptions, IndexSetupResult } from "./index-setup";
export { startLocalNode, stopLocalNode, localNodeStatus, ensureOpenSearchJars } from "./local-node";
export type { LocalNodeOptions, LocalNodeStatus, OpenSearchJarsOptions } from "./local-node";
