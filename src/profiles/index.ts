// Public surface of profiles and behaviour signals: the events flow's sink and the re-ranker's reads.
export { RedisBehaviourSink } from "./redis-behaviour-sink";
export type { RedisBehaviourSinkOptions, ApplyReport, ActiveEmbedderProvider } from "./redis-behaviour-sink";
export { DEFAULT_CAPS, EVENT_WEIGHTS, CTR_PRIOR, resolveBehaviourOptions, behaviourOptionsFromConfig } from "./behaviour-options";
export type { BehaviourOptions, BehaviourCaps, ResolvedBehaviourOptions } from "./behaviour-options";
export type { BehaviourReader, UserProfile, RecentInteraction, Affinity, InterestVector, CandidateSignals, BehaviourSignals } from "./behaviour-reads";
export { PRICE_BANDS, priceBand } from "./price-band";
export { queryKey, userKeys } from "./redis-keys";
export { decayRate, decayedWeight } from "./time-decay";
