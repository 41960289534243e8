import { createHmac } from "node:crypto";
import { ConfigError, type SidecarConfig } from "../config";

const MIN_KEY_LENGTH = 32;

/**
 * Keyed hashes (HMAC-SHA256 under PSEUDONYM_KEY) for every identifier that could point at a person.
 * Without the key the hashes cannot be reversed or recomputed from a guessed id; with it, the sidecar
 * maps a caller's raw id to the same key every time (CONTRACTS §3).
 */
export class Pseudonymizer {
  readonly #key: string;

  constructor(key: string) {
    if (key.length < MIN_KEY_LENGTH) throw new ConfigError(`PSEUDONYM_KEY must be at least ${MIN_KEY_LENGTH} characters`);
    this.#key = key;
  }

  /** The one place `serve` and the sidecar's events wiring get their pseudonymizer; says plainly what is missing. */
  static fromConfig(config: Pick<SidecarConfig, "pseudonymKey">): Pseudonymizer {
    if (!config.pseudonymKey) {
      throw new ConfigError(
        `PSEUDONYM_KEY is not set: the sidecar pseudonymizes user ids with it before storing or logging anything; set it to a random secret of at least ${MIN_KEY_LENGTH} characters (e.g. openssl rand -hex 32)`,
      );
    }
    return new Pseudonymizer(config.pseudonymKey);
  }

  /** HMAC-SHA256(PSEUDONYM_KEY, user_id), hex: exactly the contract's pseudonym, so other tools can compute it too. */
  userKey(userId: string): string {
    return createHmac("sha256", this.#key).update(userId, "utf8").digest("hex");
  }

  /** A session id, hashed in its own domain so it never equals a user key of the same text. */
  sessionKey(sessionId: string): string {
    return this.#domainHash("session", [sessionId]);
  }

  /**
   * The idempotency key of an event: its `event_id` within its user (two users' equal event ids are
   * two events), or — without one — its whole content, so an exact re-send is still a duplicate.
   */
  eventKey(userId: string, eventId: string | undefined, content: readonly string[]): string {
    return eventId === undefined ? this.#domainHash("event-content", [userId, ...content]) : this.#domainHash("event", [userId, eventId]);
  }

  #domainHash(domain: string, parts: readonly string[]): string {
    const hmac = createHmac("sha256", this.#key).update(domain, "utf8");
    // Length-prefixed parts: ["ab","c"] and ["a","bc"] hash differently.
    for (const part of parts) hmac.update(`\u0000${part.length}:${part}`, "utf8");
    return hmac.digest("hex");
  }
}
