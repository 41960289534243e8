export { EVENT_TYPES } from "./behaviour-event";
export type { EventType, BehaviourEvent, BehaviourSink } from "./behaviour-event";
