// Public surface of profiles and behaviour signals: the events flow's sink and the re-ranker's reads.
export { RedisBehaviourSink } from "./redis-behaviour-sink";
export type { RedisBehaviourSinkOptions, ApplyReport, ActiveEmbedderProvider } from "./redis-behaviour-sink";
export { EVENT_WEIGHTS, behaviourOptionsFromConfig, resolveBehaviourOptions } from "./behaviour-options";
export type { BehaviourOptions, BehaviourCaps, ResolvedBehaviourOptions } from "./behaviour-options";
export type { BehaviourReader, UserProfile, RecentInteraction, Affinity, InterestVector, CandidateSignals, BehaviourSignals, QuerySignals } from "./behaviour-reads";
export { priceBand } from "./price-band";
export { userKeys } from "./redis-keys";
export { InterestRebuilder } from "./interest-rebuild";
export type { InterestRebuildOptions, InterestRebuildReport, ItemInteraction } from "./interest-rebuild";
