/**
 * The evaluation classifier: a small CNN that only judges generated digits (its penultimate
 * features feed the Fréchet distance, its class probabilities the MNIST score and the
 * histogram). It never trains the GAN. Trained by `npm run train:classifier`
 * (scripts/trainClassifier.ts) and shipped in public/classifier/ in the TF.js Layers format.
 *
 * Input: images [N, 784] in [-1, 1] (the GAN's pixel range). Architecture: conv5x5(32) →
 * conv3x3(64) → conv3x3(64), all stride 2 with 'same' padding and ReLU (28 → 14 → 7 → 4) →
 * flatten (4·4·64) → dense 128 ReLU (the features) → dense 10 (logits). Strided convolutions
 * rather than pooling: wasm's MaxPoolGrad is slow.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2d } from '../conv/conv2d';
import { DIGIT_PIXELS, IMAGE_SIDE } from '../digits';

export const CLASSIFIER_FEATURES = 128;
export const CLASSIFIER_CLASSES = 10;
const FEATURE_LAYER = 'features';
const CONVS = [
  { filters: 32, kernel: 5, stride: 2 },
  { filters: 64, kernel: 3, stride: 2 },
  { filters: 64, kernel: 3, stride: 2 },
];
const FLAT = 4 * 4 * 64;

/**
 * The classifier as a tf.layers model (what is saved and loaded). With `classes` = 1 it is the
 * two-sample test's `strided` critic (critics.ts).
 */
export function buildClassifierModel(classes = CLASSIFIER_CLASSES): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.reshape({ targetShape: [IMAGE_SIDE, IMAGE_SIDE, 1], inputShape: [DIGIT_PIXELS] }));
  for (const { filters, kernel, stride } of CONVS) {
    model.add(tf.layers.conv2d({ filters, kernelSize: kernel, strides: stride, padding: 'same', activation: 'relu' }));
  }
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: CLASSIFIER_FEATURES, activation: 'relu', name: FEATURE_LAYER }));
  model.add(tf.layers.dense({ units: classes }));
  return model;
}

/** The weight shapes of the classifier with `classes` outputs, in the Layers model's order. */
export function classifierShapes(classes: number): number[][] {
  const shapes: number[][] = [];
  let channels = 1;
  for (const { filters, kernel } of CONVS) {
    shapes.push([kernel, kernel, channels, filters], [filters]);
    channels = filters;
  }
  shapes.push([FLAT, CLASSIFIER_FEATURES], [CLASSIFIER_FEATURES], [CLASSIFIER_FEATURES, classes], [classes]);
  return shapes;
}

/**
 * The classifier's forward pass over explicit weights (kernel, bias per conv / dense layer, in
 * the Layers model's order), differentiable on every backend through conv/conv2d.ts when
 * `trainable`. Returns [features, logits]; `dropoutMask` (training only) is applied to the
 * features on their way to the logits.
 */
export function classifierForward(
  weights: tf.Tensor[],
  images: tf.Tensor2D,
  options: { trainable?: boolean; dropoutMask?: tf.Tensor2D } = {},
): [tf.Tensor2D, tf.Tensor2D] {
  const batch = images.shape[0];
  let h = tf.reshape(images, [batch, IMAGE_SIDE, IMAGE_SIDE, 1]) as tf.Tensor4D;
  CONVS.forEach(({ stride }, layer) => {
    const kernel = weights[2 * layer] as tf.Tensor4D;
    const bias = weights[2 * layer + 1];
    const conv = options.trainable
      ? conv2d(h, kernel, { stride, padding: 'same', xNeedsGrad: layer > 0 })
      : tf.conv2d(h, kernel, stride, 'same');
    h = tf.relu(tf.add(conv, bias)) as tf.Tensor4D;
  });
  const d = 2 * CONVS.length;
  const flat = tf.reshape(h, [batch, FLAT]) as tf.Tensor2D;
  const features = tf.relu(tf.add(tf.matMul(flat, weights[d] as tf.Tensor2D), weights[d + 1])) as tf.Tensor2D;
  const logits = tf.add(
    tf.matMul(options.dropoutMask ? tf.mul(features, options.dropoutMask) : features, weights[d + 2] as tf.Tensor2D),
    weights[d + 3],
  ) as tf.Tensor2D;
  return [features, logits];
}

/** A classifier's weights as plain arrays (how an imported dataset's classifier is stored). */
export interface ClassifierWeights {
  shapes: number[][];
  values: Float32Array[];
}

/** A loaded classifier: its weights as tensors (owned; call dispose). */
export class Classifier {
  /** Classes it tells apart (10 for the shipped MNIST classifier). */
  readonly classes: number;

  private constructor(readonly weights: tf.Tensor[]) {
    this.classes = weights[weights.length - 1].shape[0];
  }

  static fromModel(model: tf.LayersModel): Classifier {
    return Classifier.fromTensors(model.getWeights());
  }

  /** From weight tensors in the Layers model's order (copied: the caller keeps its own). */
  static fromTensors(weights: tf.Tensor[]): Classifier {
    if (weights.length !== 2 * CONVS.length + 4) {
      throw new Error(`The classifier model has ${weights.length} weight tensors; ${2 * CONVS.length + 4} expected.`);
    }
    return new Classifier(weights.map((w) => tf.clone(w)));
  }

  /** From stored arrays; shapes are checked against the architecture for `classes` outputs. */
  static fromArrays({ shapes, values }: ClassifierWeights): Classifier {
    const classes = shapes.at(-1)?.[0] ?? 0;
    const expected = classifierShapes(classes);
    const wrong = expected.length !== shapes.length || expected.some((shape, i) => shape.join() !== shapes[i].join() || values[i]?.length !== shape.reduce((a, b) => a * b, 1));
    if (classes < 2 || wrong) throw new Error('The stored classifier does not have the evaluation classifier\'s shapes.');
    return new Classifier(values.map((v, i) => tf.tensor(v, shapes[i])));
  }

  /** Its weights as plain arrays, to store. */
  async toArrays(): Promise<ClassifierWeights> {
    return {
      shapes: this.weights.map((w) => [...w.shape]),
      values: await Promise.all(this.weights.map(async (w) => new Float32Array(await w.data()))),
    };
  }

  /**
   * Features [N, 128] and class probabilities [N, classes] of images [N, 784] in [-1, 1], in chunks of
   * `chunk` rows so memory stays bounded. Plain arrays, nothing left on the device.
   */
  async evaluate(images: Float32Array, chunk = 500): Promise<{ features: Float32Array; probabilities: Float32Array }> {
    const count = images.length / DIGIT_PIXELS;
    const features = new Float32Array(count * CLASSIFIER_FEATURES);
    const probabilities = new Float32Array(count * this.classes);
    for (let start = 0; start < count; start += chunk) {
      const rows = Math.min(chunk, count - start);
      const [f, p] = tf.tidy(() => {
        const x = tf.tensor2d(images.subarray(start * DIGIT_PIXELS, (start + rows) * DIGIT_PIXELS), [rows, DIGIT_PIXELS]);
        const [feat, logits] = classifierForward(this.weights, x);
        return [feat, tf.softmax(logits)];
      });
      features.set(await f.data(), start * CLASSIFIER_FEATURES);
      probabilities.set(await p.data(), start * this.classes);
      tf.dispose([f, p]);
    }
    return { features, probabilities };
  }

  dispose(): void {
    tf.dispose(this.weights);
  }
}

/**
 * Loads the shipped classifier from the TF.js Layers artifacts (model.json + weights), e.g.
 * `loadClassifier(tf.io.browserHTTPRequest('classifier/model.json'))` in the worker or an
 * in-memory handler in Node.
 */
export async function loadClassifier(handler: tf.io.IOHandler | string): Promise<Classifier> {
  const model = await tf.loadLayersModel(handler);
  try {
    return Classifier.fromModel(model);
  } finally {
    model.dispose();
  }
}

/** The classifier's files as shipped: model.json and one weights file. */
export const CLASSIFIER_MODEL_JSON = 'model.json';
export const CLASSIFIER_WEIGHTS = 'weights.bin';

/** An IOHandler over the classifier's model.json text and weight bytes (e.g. read from disk). */
export function classifierFromFiles(modelJson: string, weights: Uint8Array): tf.io.IOHandler {
  const parsed = JSON.parse(modelJson) as tf.io.ModelJSON;
  const weightSpecs = parsed.weightsManifest.flatMap((group) => group.weights);
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  return tf.io.fromMemory({ modelTopology: parsed.modelTopology, weightSpecs, weightData });
}
