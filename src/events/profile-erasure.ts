import { type BehaviourSink } from "./behaviour-event";
import { type EventStore } from "./event-store";
import { type Pseudonymizer } from "./pseudonymizer";

export interface ErasureReport {
  /** The pseudonym everything about the user was kept under. */
  user_key: string;
  deleted: {
    /** Whether a profile existed in Redis. */
    profile: boolean;
    /** Redis keys removed (profile, recent items, session state). */
    redis_keys: number;
    /** Stored events removed from the events index. */
    events: number;
  };
}

export interface ProfileErasureOptions {
  store: EventStore;
  sink: BehaviourSink;
  pseudonymizer: Pseudonymizer;
}

/**
 * The right to be forgotten: everything kept about one user, in Redis and in the events index. Both
 * steps are idempotent, so a call that failed half-way is completed by calling again.
 */
export class ProfileErasure {
  readonly #options: ProfileErasureOptions;

  constructor(options: ProfileErasureOptions) {
    this.#options = options;
  }

  /** @throws RedisError or OpenSearchError when a store cannot be reached (nothing is reported as done that was not) */
  async erase(userId: string): Promise<ErasureReport> {
    const userKey = this.#options.pseudonymizer.userKey(userId);
    // Redis first: when it is down nothing is touched and the caller retries the whole erasure.
    const profile = await this.#options.sink.erase(userKey);
    const events = await this.#options.store.deleteUser(userKey);
    return { user_key: userKey, deleted: { profile: profile.profileDeleted, redis_keys: profile.keysDeleted, events } };
  }
}
