import { readFileSync } from "node:fs";

/**
 * The PEM of the CA that signed the cluster's certificate (OPENSEARCH_CA_FILE), for every https
 * connection the sidecar makes to OpenSearch: its gateway and its proxy. Read at start-up, so a wrong
 * path stops the process with a plain message instead of failing each request.
 */
export function readClusterCa(caFile: string | undefined): Buffer | undefined {
  if (caFile === undefined) return undefined;
  let pem: Buffer;
  try {
    pem = readFileSync(caFile);
  } catch (err) {
    throw new Error(`cannot read OPENSEARCH_CA_FILE ${caFile}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new Error(`OPENSEARCH_CA_FILE ${caFile} holds no PEM certificate`);
  return pem;
}
