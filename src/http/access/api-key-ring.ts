import { createHash, timingSafeEqual } from "node:crypto";
import { type ApiKey } from "../../config";
import { type Scope } from "./scope";

interface KeyDigest {
  readonly digest: Buffer;
  readonly scope: Scope;
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/**
 * The configured API keys, held as SHA-256 digests. A presented key is hashed and compared with every
 * digest in constant time, so neither the key's content nor which entry matched shows in the timing.
 */
export class ApiKeyRing {
  readonly #keys: readonly KeyDigest[];

  constructor(keys: readonly ApiKey[]) {
    const digests = keys.map((entry) => ({ digest: sha256(entry.key), scope: entry.scope }));
    const seen = new Set(digests.map((entry) => entry.digest.toString("hex")));
    if (seen.size !== digests.length) throw new Error("the same API key is configured twice");
    this.#keys = digests;
  }

  /** The scope of a presented key, or `undefined` when it is not a configured key. */
  scopeOf(presented: string): Scope | undefined {
    const digest = sha256(presented);
    let scope: Scope | undefined;
    for (const entry of this.#keys) {
      // No early exit: every entry costs the same whether or not an earlier one matched.
      if (timingSafeEqual(entry.digest, digest) && scope === undefined) scope = entry.scope;
    }
    return scope;
  }
}
