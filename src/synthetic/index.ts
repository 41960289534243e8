export { generateSampleCatalog } from "./catalog-generator";
export type { SampleCatalogOptions } from "./catalog-generator";
export { seededRandom, pick } from "../shared/seeded-random";
