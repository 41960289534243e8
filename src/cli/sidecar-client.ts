import { SidecarClient } from "../client";
import { type ConnectionSettings } from "../config";

/**
 * The sidecar client of the commands that write through the sidecar (`load`, `events load`): the
 * connection settings' URL (or `--sidecar-url`) and key, long deadlines for large batches, and 5
 * tries on transient failures (batches are idempotent: unchanged documents, duplicate events).
 */
export function cliSidecarClient(connections: ConnectionSettings, sidecarUrl?: string): SidecarClient {
  return SidecarClient.fromConnectionSettings(connections, { ...(sidecarUrl ? { baseUrl: sidecarUrl } : {}), timeoutMs: 120_000, tries: 5, backoffMs: 400 });
}
