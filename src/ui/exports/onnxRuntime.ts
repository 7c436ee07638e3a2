/**
 * onnxruntime-web on the page, loaded only when the user asks for the ONNX check (a dynamic
 * import keeps it out of the main bundle). Its WebAssembly binary is served by the app itself,
 * never from a CDN; one thread is plenty for a dense generator.
 */
import * as ort from 'onnxruntime-web/wasm';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';

ort.env.wasm.wasmPaths = { wasm: wasmUrl };
ort.env.wasm.numThreads = 1;
ort.env.wasm.proxy = false;

/** Samples per run call: each call is one short task on the main thread. */
const BATCH = 20;

/** The ONNX generator applied to `noise` (count × latent size): count × DIGIT_PIXELS values. */
export async function runOnnxGenerator(bytes: ArrayBuffer, noise: Float32Array, count: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(new Uint8Array(bytes), { executionProviders: ['wasm'] });
  try {
    const [input] = session.inputNames;
    const [output] = session.outputNames;
    const latent = noise.length / count;
    const parts: Float32Array[] = [];
    for (let start = 0; start < count; start += BATCH) {
      const rows = Math.min(BATCH, count - start);
      const feed = new ort.Tensor('float32', noise.slice(start * latent, (start + rows) * latent), [rows, latent]);
      const result = await session.run({ [input]: feed });
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
