import { Command, Option } from "commander";
import { envDefault, readConnectionSettings } from "../../config";
import { INFERENCE_BACKENDS, type InferenceBackendPreference } from "../../model";
import { augmentListsFile } from "../../synthetic/generative";
import { fractionBelowOne, nonNegativeInt, nonNegativeNumber, note, positiveInt, printSummary } from "../output";

interface SynthesizeFeaturesFlags {
  lists: string;
  out: string;
  positives?: number;
  ratio?: number;
  seed: number;
  epochs: number;
  latent: number;
  hidden: number;
  negativesPerPositive: number;
  valFraction: number;
  splitSeed: number;
  maxSeconds: number;
  modelsDir?: string;
  backend: InferenceBackendPreference;
}

const round = (n: number): number => Number(n.toFixed(4));

async function synthesizeFeaturesAction(flags: SynthesizeFeaturesFlags): Promise<void> {
  if (flags.positives !== undefined && flags.ratio !== undefined) throw new Error("give --positives or --ratio, not both");
  const result = await augmentListsFile({
    lists: flags.lists,
    out: flags.out,
    modelsDir: flags.modelsDir ?? readConnectionSettings().modelsDir,
    ...(flags.positives !== undefined ? { positives: flags.positives } : {}),
    ...(flags.ratio !== undefined ? { ratio: flags.ratio } : {}),
    seed: flags.seed,
    epochs: flags.epochs,
    latent: flags.latent,
    hidden: flags.hidden,
    negativesPerPositive: flags.negativesPerPositive,
    validationFraction: flags.valFraction,
    splitSeed: flags.splitSeed,
    maxSeconds: flags.maxSeconds,
    backend: flags.backend,
    onBackend: (selection) => note(`backend: ${selection.backend}`),
    onEpoch: (epoch, epochs, loss) => note(`epoch ${epoch}/${epochs}: loss ${loss.toFixed(4)}`),
  });
  note(`generator saved to ${result.generator.dir}`);
  printSummary({
    lists: result.lists,
    synthetic_lists: result.added,
    synthetic_positives: result.added,
    real_positives: result.realPositives,
    trained_on: result.trainedOn,
    generator: result.generator.version,
    loss: round(result.lossCurve.at(-1) ?? Number.NaN),
    reconstruction: round(result.reconstruction),
    kl: round(result.kl),
    backend: result.backend,
    seconds: Number(result.seconds.toFixed(1)),
    out: flags.out,
  });
}

/** `relevance synthesize features`: a CVAE over the re-ranker's feature rows, and a lists file augmented with generated positives. */
export function synthesizeFeaturesCommand(): Command {
  return new Command("features")
    .description(
      "train a conditional VAE (TensorFlow.js) on the real feature rows of a lists file's training side (clicked vs skipped candidates) and write the file with extra lists, each holding one generated positive marked synthetic; saves the generator to <models-dir>/generator/<version>/",
    )
    .requiredOption("--lists <file>", "lists file from `relevance train reranker --save-lists`")
    .requiredOption("--out <file>", "augmented lists file to write (train on it with `relevance train reranker --lists`)")
    .option("--positives <n>", "synthetic positives to add (default: --ratio × the real training-side positives)", nonNegativeInt("--positives"))
    .option("--ratio <r>", "synthetic positives per real training-side positive (default 1)", nonNegativeNumber("--ratio"))
    .option("--seed <n>", "random seed (sampling, initialization, shuffling, noise, generation)", nonNegativeInt("--seed"), 42)
    .option("--epochs <n>", "passes over the training rows", positiveInt("--epochs"), 40)
    .option("--latent <n>", "latent dimensions", positiveInt("--latent"), 8)
    .option("--hidden <n>", "hidden units of the encoder and the decoder", positiveInt("--hidden"), 64)
    .option("--negatives-per-positive <r>", "skipped rows trained on per positive (a seeded sample)", nonNegativeNumber("--negatives-per-positive"), 3)
    .option("--val-fraction <f>", "the re-ranker's validation share: those query groups are never learned from nor augmented", fractionBelowOne("--val-fraction"), 0.2)
    .option("--split-seed <n>", "the re-ranker training's --seed, which draws that split", nonNegativeInt("--split-seed"), 42)
    .option("--max-seconds <n>", "stop training the generator after this many seconds", positiveInt("--max-seconds"), 300)
    .option("--models-dir <dir>", `models folder for the generator ${envDefault("MODELS_DIR")}`)
    .addOption(new Option("--backend <name>", "TensorFlow.js backend (cpu: bit-identical runs for a seed)").choices(["auto", ...INFERENCE_BACKENDS]).default("cpu"))
    .action(synthesizeFeaturesAction);
}
