import { Router } from "express";
import { z } from "zod";
import { NotFoundError } from "../../errors";
import { MAX_ID_LENGTH, type Pseudonymizer } from "../../events";
import { type Affinity, type BehaviourReader, type UserProfile } from "../../profiles";
import { validate } from "../validate";

const UserIdParam = z.string().min(1).max(MAX_ID_LENGTH);

const ProfileQuery = z.object({
  /** Include the interest vector itself. @defaultValue false */
  vector: z.enum(["true", "false"]).default("false"),
  /** Entries shown per affinity set, strongest first. @defaultValue 20 */
  top: z.coerce.number().int().min(1).max(1000).default(20),
});

export interface ProfileRouteDependencies {
  profiles: BehaviourReader;
  pseudonymizer: Pseudonymizer;
}

function entries(affinities: readonly Affinity[], top: number) {
  return affinities.slice(0, top).map((a) => ({ key: a.key, weight: a.weight }));
}

/** The profile as the API shows it: snake_case, ISO times, weights decayed to now, no raw vector unless asked. */
function profileBody(profile: UserProfile, options: { vector: boolean; top: number }) {
  const interest = profile.interest;
  return {
    user_key: profile.userKey,
    version: profile.version,
    updated_at: new Date(profile.updatedAt).toISOString(),
    event_count: profile.eventCount,
    synthetic_events: profile.syntheticEvents,
    recent: profile.recent.map((r) => ({ item_id: r.itemId, type: r.type, timestamp: new Date(r.timestamp).toISOString() })),
    affinities: {
      items: entries(profile.affinities.items, options.top),
      categories: entries(profile.affinities.categories, options.top),
      brands: entries(profile.affinities.brands, options.top),
      price_bands: entries(profile.affinities.priceBands, options.top),
    },
    interest: interest
      ? {
          model_version: interest.modelVersion,
          dimension: interest.dimension,
          events: interest.events,
          ...(options.vector ? { vector: Array.from(interest.vector) } : {}),
        }
      : null,
  };
}

/**
 * `GET /v1/profiles/:user_id` (admin scope): the user's profile under their pseudonymized key. The URL
 * carries the raw id; app.ts redacts it from every log line.
 */
export function profileRoutes(deps: ProfileRouteDependencies): Router {
  const router = Router();
  router.get("/v1/profiles/:user_id", async (req, res) => {
    const userId = validate(UserIdParam, req.params.user_id);
    const query = validate(ProfileQuery, req.query);
    const profile = await deps.profiles.profile(deps.pseudonymizer.userKey(userId));
    // The message never repeats the raw id.
    if (!profile) throw new NotFoundError("no profile for this user");
    res.json(profileBody(profile, { vector: query.vector === "true", top: query.top }));
  });
  return router;
}
