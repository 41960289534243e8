import { basename, join } from "node:path";
import { selectInferenceBackend, type BackendSelection, type InferenceBackendPreference } from "../../model";
import { sha256File } from "../../model/training-inputs";
import { readListsFile, writeListsFile } from "../../training";
import { augmentLists, labeledRows, trainingSideLists } from "./augment-lists";
import { fitFeatureGenerator, type FitGeneratorOptions } from "./feature-generator";
import { GENERATOR_KIND, saveGenerator } from "./generator-store";

export interface FeatureAugmentationOptions extends FitGeneratorOptions {
  /** Lists file (`relevance train reranker --save-lists`). */
  lists: string;
  /** Augmented lists file to write: the input's lists, then the added ones. */
  out: string;
  /** The generator is saved to `<modelsDir>/generator/<version>/`. */
  modelsDir: string;
  /** Synthetic positives to add; overrides `ratio`. @defaultValue none */
  positives?: number;
  /** Synthetic positives per real training-side positive. @defaultValue 1 */
  ratio?: number;
  /** The re-ranker training's validation share and seed, so its validation lists stay unseen. @defaultValue 0.2, 42 */
  validationFraction?: number;
  splitSeed?: number;
  /** TensorFlow.js backend; `cpu` (the default) is the one whose runs are bit-identical for a seed. @defaultValue "cpu" */
  backend?: InferenceBackendPreference;
  onBackend?: (selection: BackendSelection) => void;
}

export interface FeatureAugmentationResult {
  lists: number;
  added: number;
  realPositives: number;
  trainedOn: { positives: number; negatives: number };
  generator: { version: string; dir: string };
  lossCurve: number[];
  reconstruction: number;
  kl: number;
  backend: string;
  seconds: number;
}

/** `relevance synthesize features`: fits the CVAE on the training side of a lists file, saves it, writes the file augmented with generated positives. */
export async function augmentListsFile(options: FeatureAugmentationOptions): Promise<FeatureAugmentationResult> {
  const started = Date.now();
  const seed = options.seed ?? 42;
  const validationFraction = options.validationFraction ?? 0.2;
  const splitSeed = options.splitSeed ?? 42;
  options.onBackend?.(await selectInferenceBackend({ preference: options.backend ?? "cpu" }));
  const file = await readListsFile(options.lists);
  const sources = trainingSideLists(file.lists, validationFraction, splitSeed);
  const fitted = await fitFeatureGenerator(file.featureNames, labeledRows(sources), { ...options, seed });
  const { dir, manifest } = await saveGenerator(
    join(options.modelsDir, GENERATOR_KIND),
    fitted.generator,
    {
      seed,
      lists: { file: basename(options.lists), sha256: await sha256File(options.lists), total: file.lists.length, trainingSide: sources.length },
      validationFraction,
      splitSeed,
      rows: { positives: fitted.positives, negatives: fitted.negatives },
    },
    { ...fitted.metrics },
  );
  const augmented = augmentLists(file.lists, fitted.generator, {
    ...(options.positives !== undefined ? { positives: options.positives } : {}),
    ...(options.ratio !== undefined ? { ratio: options.ratio } : {}),
    seed,
    validationFraction,
    splitSeed,
  });
  await writeListsFile(options.out, file, augmented.lists);
  return {
    lists: augmented.lists.length,
    added: augmented.added,
    realPositives: augmented.realPositives,
    trainedOn: { positives: fitted.positives, negatives: fitted.negatives },
    generator: { version: manifest.version, dir },
    lossCurve: fitted.metrics.lossCurve,
    reconstruction: fitted.metrics.reconstruction,
    kl: fitted.metrics.kl,
    backend: fitted.metrics.backend,
    seconds: (Date.now() - started) / 1000,
  };
}
