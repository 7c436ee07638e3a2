/**
 * The page's side of exports: asks the worker for a generator's bytes and saves them as a file
 * (a Blob and an <a download>: workers cannot download), hands chosen files to the worker to
 * import, and runs the ONNX check: the worker exports the ONNX model together with the sampling
 * noise and tfjs's output for it, and onnxruntime-web, loaded on first use, runs the model on
 * that noise here. The ONNX grid's pixels stay in a buffer outside React state.
 */
import type { ExportFormat, GeneratorRef, WorkerEvent } from '../../worker/protocol';
import {
  type ExportsState,
  type OnnxCheckInfo,
  type SourceChoice,
  importedLabel,
} from './exportsState';
import { saveFile } from '../history/gridDownloads';
import type { PixelBuffer } from '../history/historyController';
import type { LabStore } from '../shared/labStore';
import type { WorkerClient } from '../run/workerClient';

export interface OnnxRuntime {
  runOnnxGenerator(bytes: ArrayBuffer, noise: Float32Array): Promise<Float32Array>;
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
  /** Sends the chosen files to the worker to be checked and imported. */
  importFiles(files: File[]): void;
  /** Exports `source` as ONNX and runs it in onnxruntime-web on the noise of `seed`. */
  runOnnx(source: SourceChoice, seed: number, count: number): void;
  choose(source: SourceChoice): void;
  onnxPixels(): PixelBuffer | null;
  dispose(): void;
}

const DIGIT_PIXELS = 784;
const MIME: Record<ExportFormat, string> = { tfjs: 'application/zip', onnx: 'application/octet-stream' };

export function createExportsController(
  store: LabStore,
  client: WorkerClient,
  env: ExportsEnvironment = browserExportsEnvironment,
): ExportsController {
  let onnxPixels: PixelBuffer | null = null;
  let onnxVersion = 0;

  const exportsState = () => store.getState().exports;
  const setExports = (update: (e: ExportsState) => ExportsState, urgent = false) =>
    store.setState((s) => {
      const next = update(s.exports);
      return next === s.exports ? s : { ...s, exports: next };
    }, { urgent });
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

  async function checkOnnx(event: Extract<WorkerEvent, { type: 'generator-exported' }>): Promise<void> {
    const { requestId, reference } = event;
    if (!reference) return;
    const started = env.now();
    try {
      setOnnx(requestId, { status: 'loading' });
      const runtime = await env.loadOnnxRuntime();
      setOnnx(requestId, { status: 'running' });
      const images = await runtime.runOnnxGenerator(event.bytes, reference.noise);
      if (images.length !== reference.images.length) {
        throw new Error(
          `onnxruntime-web returned ${images.length} values for ${reference.count} digits; ${reference.count * DIGIT_PIXELS} were expected.`,
        );
      }
      let maxDiff = 0;
      for (let i = 0; i < images.length; i++) maxDiff = Math.max(maxDiff, Math.abs(images[i] - reference.images[i]));
      if (exportsState().onnx?.requestId !== requestId) return;
      const info = exportsState().onnx!;
      const pixels = new Uint8ClampedArray(info.rows * info.cols * DIGIT_PIXELS);
      for (let i = 0; i < images.length; i++) pixels[i] = Math.round((images[i] + 1) * 127.5);
      onnxVersion += 1;
      onnxPixels = { pixels, rows: info.rows, cols: info.cols, version: onnxVersion };
      setOnnx(requestId, { status: 'done', maxDiff, runtimeMs: env.now() - started, version: onnxVersion });
    } catch (error) {
      setOnnx(requestId, {
        status: 'error',
        message: `ONNX Runtime could not run the exported generator: ${describe(error)}`,
      });
    }
  }

  function onEvent(event: WorkerEvent): void {
    switch (event.type) {
      case 'generator-exported': {
        const e = exportsState();
        if (e.onnx?.requestId === event.requestId) {
          void checkOnnx(event);
          return;
        }
        if (e.downloads[event.format] !== event.requestId) return;
        env.saveFile(new Blob([event.bytes], { type: MIME[event.format] }), event.fileName);
        setExports((s) => ({ ...s, downloads: { ...s.downloads, [event.format]: undefined } }));
        return;
      }
      case 'generator-imported': {
        if (exportsState().importRequestId !== event.requestId) return;
        const { importId, name, facts } = event;
        setExports(
          (s) => ({
            ...s,
            importRequestId: null,
            imported: [...s.imported, { importId, name, facts }],
            source: { kind: 'imported', importId },
          }),
          true,
        );
        return;
      }
      case 'error': {
        const { requestId } = event;
        if (requestId === undefined) return;
        // The message itself goes to the page's alert (labState.ts); here the request just ends.
        setExports((s) => {
          const downloads = Object.fromEntries(
            Object.entries(s.downloads).filter(([, id]) => id !== requestId),
          ) as ExportsState['downloads'];
          const changed = Object.keys(downloads).length !== Object.keys(s.downloads).length;
          const importing = s.importRequestId === requestId;
          const onnx = s.onnx?.requestId === requestId ? { ...s.onnx, status: 'error' as const, message: event.message } : s.onnx;
          if (!changed && !importing && onnx === s.onnx) return s;
          return { ...s, downloads, importRequestId: importing ? null : s.importRequestId, onnx };
        }, true);
        return;
      }
      default:
        return;
    }
  }

  const unsubscribe = store.onEvent(onEvent);

  return {
    download(source, format) {
      const ref = generatorRef(source);
      if (!ref) return;
      const requestId = client.nextRequestId();
      setExports((s) => ({ ...s, downloads: { ...s.downloads, [format]: requestId } }), true);
      client.send({ type: 'export-generator', requestId, source: ref, format });
    },
    importFiles(files) {
      if (files.length === 0) return;
      const requestId = client.nextRequestId();
      setExports((s) => ({ ...s, importRequestId: requestId }), true);
      // Files go as they are: the worker checks their sizes before it reads a byte.
      client.send({ type: 'import-generator', requestId, files });
    },
    runOnnx(source, seed, count) {
      const ref = generatorRef(source);
      if (!ref) return;
      const requestId = client.nextRequestId();
      const cols = Math.min(10, Math.max(1, count));
      const onnx: OnnxCheckInfo = {
        requestId,
        status: 'exporting',
        sourceLabel: sourceLabel(source),
        seed,
        count,
        rows: Math.ceil(count / cols),
        cols,
        maxDiff: null,
        runtimeMs: null,
        version: exportsState().onnx?.version ?? 0,
      };
      setExports((s) => ({ ...s, onnx }), true);
      client.send({ type: 'export-generator', requestId, source: ref, format: 'onnx', reference: { seed, count } });
    },
    choose(source) {
      setExports((s) => ({ ...s, source }), true);
    },
    onnxPixels: () => onnxPixels,
    dispose: unsubscribe,
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
