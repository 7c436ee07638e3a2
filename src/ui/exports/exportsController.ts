/**
 * The page's side of exports: asks the worker for a generator's bytes and saves them as a file,
 * hands chosen files to the worker to import, and runs the ONNX check: the worker exports the
 * ONNX model together with the sampling noise and tfjs's output for it, and onnxruntime-web,
 * loaded on first use, runs the model on that noise here. Each request's answer and error come
 * back to the request that asked. The ONNX grid's pixels stay in a buffer outside React state.
 */
import { DIGIT_PIXELS, gridShape, toPixels } from '../../core/digits';
import { describeError } from '../../core/errors';
import type { ErrorCode, ExportFormat, GeneratorRef, WorkerEvent } from '../../worker/protocol';
import { withError } from '../messages/messagesState';
import type { WorkerClient } from '../run/workerClient';
import type { PixelBuffer } from '../shared/gridImage';
import type { LabStore } from '../shared/labStore';
import { saveFile } from '../shared/saveFile';
import { type ExportsState, type OnnxCheckInfo, type SourceChoice, importedLabel } from './exportsState';

export interface OnnxRuntime {
  /** `labels`: a class-conditional generator's digit per sample, fed one-hot as its second input. */
  runOnnxGenerator(bytes: ArrayBuffer, noise: Float32Array, count: number, labels?: Uint8Array): Promise<Float32Array>;
}

export interface ExportsEnvironment {
  saveFile(data: Blob, name: string): void;
  /** Loads onnxruntime-web (a separate chunk) the first time it is needed. */
  loadOnnxRuntime(): Promise<OnnxRuntime>;
  now(): number;
}

export const browserExportsEnvironment: ExportsEnvironment = {
  saveFile,
  loadOnnxRuntime: () => import('./onnxRuntime'),
  now: () => performance.now(),
};

export interface ExportsController {
  /** Downloads the chosen generator of the viewed run (or an imported one) in `format`. */
  download(source: SourceChoice, format: ExportFormat): void;
  /**
   * Sends the chosen files to the worker to be checked and imported: one generator is kept in
   * the worker; several Keras .h5 files come back as a saved run (`run-imported`).
   */
  importFiles(files: File[]): void;
  /**
   * Exports `source` as ONNX and runs it in onnxruntime-web on the noise of `seed` (and, for a
   * class-conditional generator, `digit`, or each digit in turn).
   */
  runOnnx(source: SourceChoice, seed: number, count: number, digit?: number): void;
  choose(source: SourceChoice): void;
  onnxPixels(): PixelBuffer | null;
}

type Exported = Extract<WorkerEvent, { type: 'generator-exported' }>;

const MIME: Record<ExportFormat, string> = {
  tfjs: 'application/zip',
  onnx: 'application/octet-stream',
  keras: 'application/x-hdf5',
};

export function createExportsController(
  store: LabStore,
  client: WorkerClient,
  env: ExportsEnvironment = browserExportsEnvironment,
): ExportsController {
  let onnxPixels: PixelBuffer | null = null;
  let onnxVersion = 0;

  const exportsState = () => store.getState().exports;
  const setExports = (change: (e: ExportsState) => ExportsState, urgent = false) =>
    store.update('exports', change, { urgent });
  /** The request failed: `change` ends it here, and the alert says why. */
  const failed = (change: (e: ExportsState) => ExportsState, error: { code: ErrorCode; message: string }) =>
    store.setState(
      (s) => ({
        ...s,
        exports: change(s.exports),
        messages: withError(s.messages, { source: 'run', code: error.code, message: error.message }),
      }),
      { urgent: true },
    );
  const setOnnx = (requestId: number, change: Partial<OnnxCheckInfo>) =>
    setExports((e) => (e.onnx?.requestId === requestId ? { ...e, onnx: { ...e.onnx, ...change } } : e), true);

  /** The protocol's name for a source: saved epochs belong to the run the panels show. */
  function generatorRef(source: SourceChoice): GeneratorRef | null {
    if (source.kind === 'imported') return { kind: 'imported', importId: source.importId };
    const runId = store.getState().history.viewRunId;
    return runId ? { kind: 'saved', runId, epoch: source.epoch } : null;
  }

  function sourceLabel(source: SourceChoice): string {
    if (source.kind === 'epoch') return `epoch ${source.epoch}`;
    const imported = exportsState().imported.find((i) => i.importId === source.importId);
    return imported ? importedLabel(imported) : 'an imported generator';
  }

  async function checkOnnx(requestId: number, file: Exported): Promise<void> {
    const { reference } = file;
    if (!reference || exportsState().onnx?.requestId !== requestId) return;
    const started = env.now();
    try {
      setOnnx(requestId, { status: 'loading' });
      const runtime = await env.loadOnnxRuntime();
      setOnnx(requestId, { status: 'running' });
      const images = await runtime.runOnnxGenerator(file.bytes, reference.noise, reference.count, reference.labels);
      if (images.length !== reference.images.length) {
        throw new Error(
          `onnxruntime-web returned ${images.length} values for ${reference.count} digits; ${reference.count * DIGIT_PIXELS} were expected.`,
        );
      }
      let maxDiff = 0;
      for (let i = 0; i < images.length; i++) maxDiff = Math.max(maxDiff, Math.abs(images[i] - reference.images[i]));
      if (exportsState().onnx?.requestId !== requestId) return;
      const info = exportsState().onnx!;
      // The last row's empty cells stay black.
      const pixels = new Uint8ClampedArray(info.rows * info.cols * DIGIT_PIXELS);
      pixels.set(toPixels(images));
      onnxVersion += 1;
      onnxPixels = { pixels, rows: info.rows, cols: info.cols, version: onnxVersion };
      setOnnx(requestId, { status: 'done', maxDiff, runtimeMs: env.now() - started, version: onnxVersion });
    } catch (error) {
      setOnnx(requestId, {
        status: 'error',
        message: `ONNX Runtime could not run the exported generator: ${describeError(error)}`,
      });
    }
  }

  return {
    download(source, format) {
      const ref = generatorRef(source);
      if (!ref) return;
      const ended = (e: ExportsState): ExportsState =>
        e.downloads[format] === requestId ? { ...e, downloads: { ...e.downloads, [format]: undefined } } : e;
      const requestId = client.request(
        { type: 'export-generator', source: ref, format },
        {
          onReply(file) {
            if (exportsState().downloads[format] !== requestId) return;
            env.saveFile(new Blob([file.bytes], { type: MIME[format] }), file.fileName);
            setExports(ended);
          },
          onError: (error) => failed(ended, error),
          onLost: () => setExports(ended, true),
        },
      );
      setExports((s) => ({ ...s, downloads: { ...s.downloads, [format]: requestId } }), true);
    },
    importFiles(files) {
      if (files.length === 0) return;
      const ended = (e: ExportsState): ExportsState =>
        e.importRequestId === requestId ? { ...e, importRequestId: null } : e;
      // Files go as they are: the worker checks their sizes before it reads a byte.
      const requestId = client.request(
        { type: 'import-generator', files },
        {
          onReply(reply) {
            if (reply.type === 'run-imported') {
              // A saved run now: the sample panel follows the run list's newest generator again.
              setExports((s) => (s.importRequestId === requestId ? { ...s, importRequestId: null, source: null } : s), true);
              store.dispatch({ type: 'run-imported', run: reply.run }, { urgent: true });
              return;
            }
            const { importId, name, facts } = reply;
            setExports((s) => {
              if (s.importRequestId !== requestId) return s;
              const imported = [...s.imported, { importId, name, facts }];
              return { ...s, importRequestId: null, imported, source: { kind: 'imported', importId } };
            }, true);
          },
          onError: (error) => failed(ended, error),
          onLost: () => setExports(ended, true),
        },
      );
      setExports((s) => ({ ...s, importRequestId: requestId }), true);
    },
    runOnnx(source, seed, count, digit) {
      const ref = generatorRef(source);
      if (!ref) return;
      const reference = { seed, count, ...(digit === undefined ? {} : { digit }) };
      const requestId: number = client.request(
        { type: 'export-generator', source: ref, format: 'onnx', reference },
        {
          onReply: (file) => void checkOnnx(requestId, file),
          onError: (error) => failed(onnxEnded(requestId, error.message), error),
          onLost: (message) => setExports(onnxEnded(requestId, message), true),
        },
      );
      const onnx: OnnxCheckInfo = {
        requestId,
        status: 'exporting',
        sourceLabel: sourceLabel(source),
        seed,
        count,
        ...gridShape(count),
        maxDiff: null,
        runtimeMs: null,
        version: exportsState().onnx?.version ?? 0,
      };
      setExports((s) => ({ ...s, onnx }), true);
    },
    choose(source) {
      setExports((s) => ({ ...s, source }), true);
    },
    onnxPixels: () => onnxPixels,
  };
}

/** The ONNX check of `requestId` ends with `message`, if it is still the one showing. */
function onnxEnded(requestId: number, message: string): (e: ExportsState) => ExportsState {
  return (e) => (e.onnx?.requestId === requestId ? { ...e, onnx: { ...e.onnx, status: 'error', message } } : e);
}
