// Public surface of the generative model: a conditional VAE over the re-ranker's raw feature rows, and list augmentation with its samples.
export { fitFeatureGenerator, generateRows, POSITIVE, NEGATIVE } from "./feature-generator";
export type { FeatureGenerator, FitGeneratorOptions, FitGeneratorResult, LabeledRow } from "./feature-generator";
export { inferFeatureRanges, conformRow } from "./feature-kinds";
export type { FeatureKind, FeatureRange } from "./feature-kinds";
export { trainCvae, sampleCvae } from "./cvae";
export type { CvaeShape, CvaeWeights, TrainCvaeOptions, CvaeTrainingMetrics } from "./cvae";
export { saveGenerator, readGenerator, GENERATOR_KIND } from "./generator-store";
export type { GeneratorManifest } from "./generator-store";
export { augmentLists, trainingSideLists, labeledRows } from "./augment-lists";
export type { AugmentListsOptions, AugmentedLists } from "./augment-lists";
export { augmentListsFile } from "./feature-augmentation";
export type { FeatureAugmentationOptions, FeatureAugmentationResult } from "./feature-augmentation";
