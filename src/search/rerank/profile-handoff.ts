import { type UserProfile } from "../../profiles";
import { type SearchContext } from "../search-context";

/**
 * The profile personal retrieval read for a search (it needed the interest vector before retrieving),
 * handed to the re-rank stage of the same search so it is not read twice. Keyed weakly by the search's
 * context: nothing outlives the request.
 */
export class ProfileHandoff {
  readonly #profiles = new WeakMap<SearchContext, UserProfile | null>();

  set(context: SearchContext, profile: UserProfile | null): void {
    this.#profiles.set(context, profile);
  }

  /** The profile read earlier in this search; undefined when none was read. */
  get(context: SearchContext): UserProfile | null | undefined {
    return this.#profiles.get(context);
  }
}
