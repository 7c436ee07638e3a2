/**
 * onnxruntime-web on the page, loaded only when the user asks for the ONNX check (a dynamic
 * import keeps it out of the main bundle). Its WebAssembly binary is served by the app itself,
 * never from a CDN; one thread is plenty for a dense generator.
 */
import * as ort from 'onnxruntime-web/wasm';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import { DIGIT_CLASSES } from '../../core/digits';

ort.env.wasm.wasmPaths = { wasm: wasmUrl };
ort.env.wasm.numThreads = 1;
ort.env.wasm.proxy = false;

/** Samples per run call: each call is one short task on the main thread. */
const BATCH = 20;

/**
 * The ONNX generator applied to `noise` (count × latent size): count × DIGIT_PIXELS values. A
 * class-conditional generator's second input gets `labels` (one digit per sample), one-hot.
 */
export async function runOnnxGenerator(bytes: ArrayBuffer, noise: Float32Array, count: number, labels?: Uint8Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(new Uint8Array(bytes), { executionProviders: ['wasm'] });
  try {
    const [input, labelInput] = session.inputNames;
    const [output] = session.outputNames;
    if ((labelInput === undefined) !== (labels === undefined)) {
      throw new Error(labels ? 'The ONNX generator takes no label, but digits were asked for.' : `The ONNX generator takes a "${labelInput}" input, but no digits were given.`);
    }
    const latent = noise.length / count;
    const parts: Float32Array[] = [];
    for (let start = 0; start < count; start += BATCH) {
      const rows = Math.min(BATCH, count - start);
      const feeds: Record<string, ort.Tensor> = {
        [input]: new ort.Tensor('float32', noise.slice(start * latent, (start + rows) * latent), [rows, latent]),
      };
      if (labels && labelInput) {
        const oneHot = new Float32Array(rows * DIGIT_CLASSES);
        for (let i = 0; i < rows; i++) oneHot[i * DIGIT_CLASSES + labels[start + i]] = 1;
        feeds[labelInput] = new ort.Tensor('float32', oneHot, [rows, DIGIT_CLASSES]);
      }
      const result = await session.run(feeds);
      parts.push(result[output].data as Float32Array);
      // Let the page paint and take input between batches.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    const out = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  } finally {
    await session.release();
  }
}
