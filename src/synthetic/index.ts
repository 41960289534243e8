export { generateSampleCatalog } from "./catalog-generator";
export type { SampleCatalogOptions } from "./catalog-generator";
export { seededRandom, pick } from "../shared/seeded-random";
export { PositionBasedModel, CascadeModel, powerLawExamination, CLICK_MODEL_KINDS } from "./click-model";
export type { ClickModel, ClickModelKind } from "./click-model";
export { fitPositionBasedModel, fitCascadeModel } from "./click-model-fit";
export type { Impression, PbmFit, PbmFitOptions, CascadeFit } from "./click-model-fit";
