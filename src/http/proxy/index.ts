export { endToEndHeaders } from "./header-hygiene";
export { InflightBudget, Reservation, parseByteSize } from "./inflight-budget";
export { readRequestBody, declaredLength } from "./request-body";
export type { BodyReadOptions } from "./request-body";
export { openUpstream, sendUpstream } from "./upstream";
export type { ProxyOptions, UpstreamRequest, UpstreamResponse } from "./upstream";
export { relayResponse } from "./relay";
export { reservationFor } from "./reservation-for";
