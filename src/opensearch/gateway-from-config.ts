import { type SidecarConfig } from "../config";
import { readClusterCa } from "./cluster-ca";
import { OpenSearchGateway } from "./gateway";

type GatewayConfig = Pick<SidecarConfig, "opensearchUrl" | "opensearchUsername" | "opensearchPassword" | "opensearchCaFile" | "opensearchTimeoutMs">;

/**
 * The gateway to the cluster of one config: its URL, credentials, CA (OPENSEARCH_CA_FILE, read now) and
 * timeout (`timeoutMs` replaces OPENSEARCH_TIMEOUT_MS where a command wants its own).
 */
export function gatewayFromConfig(config: GatewayConfig, options: { timeoutMs?: number } = {}): OpenSearchGateway {
  return new OpenSearchGateway({
    url: config.opensearchUrl,
    username: config.opensearchUsername,
    password: config.opensearchPassword,
    ca: readClusterCa(config.opensearchCaFile),
    timeoutMs: options.timeoutMs ?? config.opensearchTimeoutMs,
  });
}
