import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../model/rng";

/** Sizes of the conditional VAE: F features in and out, C classes as the condition, L latent, H hidden units. */
export interface CvaeShape {
  features: number;
  classes: number;
  latent: number;
  hidden: number;
}

/** Weight arrays (row-major), named as the weights file names them. */
export interface CvaeWeights {
  encoderHidden: Float32Array;
  encoderHiddenBias: Float32Array;
  encoderMean: Float32Array;
  encoderMeanBias: Float32Array;
  encoderLogVariance: Float32Array;
  encoderLogVarianceBias: Float32Array;
  decoderHidden: Float32Array;
  decoderHiddenBias: Float32Array;
  decoderOutput: Float32Array;
  decoderOutputBias: Float32Array;
}

export type CvaeWeightName = keyof CvaeWeights;

/** Every weight with its shape, in file order. */
export function cvaeWeightShapes(shape: CvaeShape): { name: CvaeWeightName; shape: number[] }[] {
  const { features: f, classes: c, latent: l, hidden: h } = shape;
  return [
    { name: "encoderHidden", shape: [f + c, h] },
    { name: "encoderHiddenBias", shape: [h] },
    { name: "encoderMean", shape: [h, l] },
    { name: "encoderMeanBias", shape: [l] },
    { name: "encoderLogVariance", shape: [h, l] },
    { name: "encoderLogVarianceBias", shape: [l] },
    { name: "decoderHidden", shape: [l + c, h] },
    { name: "decoderHiddenBias", shape: [h] },
    { name: "decoderOutput", shape: [h, f] },
    { name: "decoderOutputBias", shape: [f] },
  ];
}

/** @throws Error naming the first size that is not a positive integer. */
export function checkCvaeShape(shape: CvaeShape): void {
  for (const [key, value] of Object.entries(shape)) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`CVAE ${key} must be a positive integer, got ${String(value)}`);
  }
}

/** Glorot-uniform matrices and zero biases from the seeded RNG, so the same seed starts from the same weights. */
export function initCvaeWeights(shape: CvaeShape, seed: number): CvaeWeights {
  checkCvaeShape(shape);
  const rng = new Rng(seed);
  const weights = {} as CvaeWeights;
  for (const spec of cvaeWeightShapes(shape)) {
    const size = spec.shape.reduce((a, n) => a * n, 1);
    const array = new Float32Array(size);
    if (spec.shape.length === 2) {
      const limit = Math.sqrt(6 / ((spec.shape[0] as number) + (spec.shape[1] as number)));
      for (let i = 0; i < size; i++) array[i] = (rng.next() * 2 - 1) * limit;
    }
    weights[spec.name] = array;
  }
  return weights;
}

export interface TrainCvaeOptions {
  /** Passes over the rows. @defaultValue 40 */
  epochs: number;
  /** @defaultValue 128 */
  batchSize: number;
  /** Adam learning rate. @defaultValue 0.003 */
  learningRate: number;
  /** Weight of the KL term (β-VAE; 1 is the plain ELBO). @defaultValue 1 */
  beta: number;
  /** Initialization, shuffling and the reparameterization noise. @defaultValue 42 */
  seed: number;
  /** Training stops after the step that crosses this budget. @defaultValue 300 */
  maxSeconds: number;
  /** Called after every epoch with its mean loss. @defaultValue none */
  onEpoch?: (epoch: number, epochs: number, loss: number) => void;
}

const DEFAULT_CVAE_TRAIN_OPTIONS: Readonly<Omit<TrainCvaeOptions, "onEpoch">> = Object.freeze({
  epochs: 40,
  batchSize: 128,
  learningRate: 0.003,
  beta: 1,
  seed: 42,
  maxSeconds: 300,
});

export interface CvaeTrainingMetrics {
  /** Mean loss (reconstruction + β·KL, per row) of each epoch. */
  lossCurve: number[];
  /** The last epoch's mean reconstruction error (½·squared error summed over normalized features) and KL, per row. */
  reconstruction: number;
  kl: number;
  epochs: number;
  steps: number;
  seconds: number;
  backend: string;
}

type Tensors = Record<CvaeWeightName, tf.Tensor>;

function oneHot(labels: Uint8Array, rows: readonly number[], classes: number): Float32Array {
  const out = new Float32Array(rows.length * classes);
  rows.forEach((row, i) => (out[i * classes + (labels[row] as number)] = 1));
  return out;
}

function encode(x: tf.Tensor2D, condition: tf.Tensor2D, w: Tensors): { mean: tf.Tensor2D; logVariance: tf.Tensor2D } {
  const hidden = tf.relu(tf.add<tf.Tensor2D>(tf.matMul(tf.concat([x, condition], 1), w.encoderHidden), w.encoderHiddenBias));
  return {
    mean: tf.add<tf.Tensor2D>(tf.matMul(hidden, w.encoderMean), w.encoderMeanBias),
    // Bounded so exp() cannot overflow early in training.
    logVariance: tf.clipByValue(tf.add<tf.Tensor2D>(tf.matMul(hidden, w.encoderLogVariance), w.encoderLogVarianceBias), -10, 10),
  };
}

function decode(z: tf.Tensor2D, condition: tf.Tensor2D, w: Tensors): tf.Tensor2D {
  const hidden = tf.relu(tf.add<tf.Tensor2D>(tf.matMul(tf.concat([z, condition], 1), w.decoderHidden), w.decoderHiddenBias));
  return tf.add<tf.Tensor2D>(tf.matMul(hidden, w.decoderOutput), w.decoderOutputBias);
}

/**
 * Trains a conditional VAE (Kingma & Welling 2014; Sohn et al. 2015) on normalized rows `x` ([n, F])
 * with class `labels` (0 … C−1): Gaussian decoder (½·squared error), standard normal prior, the
 * condition concatenated to the encoder's input and the decoder's latent. Adam; the shuffles and the
 * reparameterization noise come from the seeded RNG and are fed as tensors, so on one backend the same
 * seed gives the same weights bit for bit.
 */
export async function trainCvae(
  x: Float32Array,
  labels: Uint8Array,
  shape: CvaeShape,
  options: Partial<TrainCvaeOptions> = {},
): Promise<{ weights: CvaeWeights; metrics: CvaeTrainingMetrics }> {
  const opts: TrainCvaeOptions = { ...DEFAULT_CVAE_TRAIN_OPTIONS, ...options };
  checkCvaeShape(shape);
  const n = labels.length;
  const { features: f, classes: c, latent: l } = shape;
  if (n === 0) throw new Error("the CVAE needs at least one row");
  if (x.length !== n * f) throw new Error(`x has ${x.length} values, expected ${n} rows × ${f} features`);
  if (labels.some((label) => label >= c)) throw new Error(`a label is ≥ the ${c} classes`);
  if (!Number.isInteger(opts.epochs) || opts.epochs < 1) throw new Error(`epochs must be a positive integer, got ${opts.epochs}`);
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${opts.batchSize}`);
  const started = Date.now();
  const rng = new Rng(opts.seed);
  const initial = initCvaeWeights(shape, opts.seed);
  const variables = {} as Record<CvaeWeightName, tf.Variable>;
  for (const spec of cvaeWeightShapes(shape)) variables[spec.name] = tf.variable(tf.tensor(initial[spec.name], spec.shape));
  const optimizer = tf.train.adam(opts.learningRate);
  const lossCurve: number[] = [];
  let reconstruction = 0;
  let kl = 0;
  let steps = 0;
  let epochs = 0;
  try {
    for (let epoch = 1; epoch <= opts.epochs; epoch++) {
      const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
      let lossSum = 0;
      let reconstructionSum = 0;
      let klSum = 0;
      let seen = 0;
      let outOfTime = false;
      for (let start = 0; start < n; start += opts.batchSize) {
        const rows = order.slice(start, start + opts.batchSize);
        const b = rows.length;
        const batch = new Float32Array(b * f);
        rows.forEach((row, i) => batch.set(x.subarray(row * f, (row + 1) * f), i * f));
        const noise = new Float32Array(b * l);
        for (let i = 0; i < noise.length; i++) noise[i] = rng.normal();
        const parts = tf.tidy(() => {
          const input = tf.tensor2d(batch, [b, f]);
          const condition = tf.tensor2d(oneHot(labels, rows, c), [b, c]);
          const epsilon = tf.tensor2d(noise, [b, l]);
          let terms: tf.Tensor[] = [];
          const loss = optimizer.minimize(
            () => {
              const { mean, logVariance } = encode(input, condition, variables);
              const z = tf.add<tf.Tensor2D>(mean, tf.mul(tf.exp(tf.mul(logVariance, 0.5)), epsilon));
              const output = decode(z, condition, variables);
              const recon = tf.div(tf.mul(tf.sum(tf.square(tf.sub(output, input))), 0.5), b);
              const divergence = tf.div(tf.mul(tf.sum(tf.sub(tf.add(tf.square(mean), tf.exp(logVariance)), tf.add(logVariance, 1))), 0.5), b);
              terms = [tf.keep(recon.clone()), tf.keep(divergence.clone())];
              return tf.add<tf.Scalar>(recon, tf.mul(divergence, opts.beta));
            },
            true,
            Object.values(variables),
          ) as tf.Scalar;
          return [loss, ...terms];
        });
        const [lossValue, reconValue, klValue] = (await Promise.all(parts.map((t) => t.data()))).map((d) => d[0] as number);
        tf.dispose(parts);
        lossSum += (lossValue as number) * b;
        reconstructionSum += (reconValue as number) * b;
        klSum += (klValue as number) * b;
        seen += b;
        steps++;
        if ((Date.now() - started) / 1000 > opts.maxSeconds) {
          outOfTime = true;
          break;
        }
      }
      epochs = epoch;
      // Means over the rows this epoch saw (fewer than n when the time budget cut it short).
      lossCurve.push(lossSum / seen);
      reconstruction = reconstructionSum / seen;
      kl = klSum / seen;
      opts.onEpoch?.(epoch, opts.epochs, lossSum / seen);
      if (outOfTime) break;
    }
    const weights = {} as CvaeWeights;
    for (const spec of cvaeWeightShapes(shape)) weights[spec.name] = variables[spec.name].dataSync() as Float32Array;
    return { weights, metrics: { lossCurve, reconstruction, kl, epochs, steps, seconds: (Date.now() - started) / 1000, backend: tf.getBackend() } };
  } finally {
    optimizer.dispose();
    tf.dispose(Object.values(variables));
  }
}

/** `count` normalized rows ([count, F]) of class `label` from the decoder, z drawn from the seeded RNG. */
export function sampleCvae(weights: CvaeWeights, shape: CvaeShape, label: number, count: number, rng: Rng): Float32Array {
  checkCvaeShape(shape);
  if (!Number.isInteger(label) || label < 0 || label >= shape.classes) throw new Error(`label must be an integer in [0, ${shape.classes}), got ${label}`);
  if (count === 0) return new Float32Array(0);
  const z = new Float32Array(count * shape.latent);
  for (let i = 0; i < z.length; i++) z[i] = rng.normal();
  const condition = new Float32Array(count * shape.classes);
  for (let i = 0; i < count; i++) condition[i * shape.classes + label] = 1;
  const w = {} as Tensors;
  for (const spec of cvaeWeightShapes(shape)) w[spec.name] = tf.tensor(weights[spec.name], spec.shape);
  try {
    const out = tf.tidy(() => decode(tf.tensor2d(z, [count, shape.latent]), tf.tensor2d(condition, [count, shape.classes]), w));
    const values = out.dataSync() as Float32Array;
    out.dispose();
    return values;
  } finally {
    tf.dispose(Object.values(w));
  }
}
