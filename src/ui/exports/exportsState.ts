/**
 * The exports part of the page's state: generators imported from files, which generator the
 * sample panel uses (a saved epoch or an imported one), downloads under way, and the last
 * ONNX Runtime check. The ONNX grid's pixels stay outside (exportsController.ts).
 */
import type { ExportFormat, GeneratorFacts } from '../../worker/protocol';
import type { Slice } from '../shared/labEvents';

export interface ImportedSource {
  importId: string;
  /** The chosen file's name, shown as "imported: <name>". */
  name: string;
  facts: GeneratorFacts;
}

/** What the sample panel samples from and exports. */
export type SourceChoice = { kind: 'epoch'; epoch: number } | { kind: 'imported'; importId: string };

export interface OnnxCheckInfo {
  requestId: number;
  /** `exporting`: the worker writes the ONNX file; `loading`: onnxruntime-web loads; `running`: it runs. */
  status: 'exporting' | 'loading' | 'running' | 'done' | 'error';
  /** "epoch 20" or "imported: <name>", for the caption. */
  sourceLabel: string;
  seed: number;
  count: number;
  rows: number;
  cols: number;
  /** Largest |ONNX − tfjs| over every output value, once done. */
  maxDiff: number | null;
  /** Time onnxruntime-web took to create the session and run, in ms. */
  runtimeMs: number | null;
  /** Bumped when new pixels arrive. */
  version: number;
  message?: string;
}

export interface ExportsState {
  imported: ImportedSource[];
  /** The sample panel's choice; null follows the newest saved generator. */
  source: SourceChoice | null;
  /** Downloads being prepared in the worker, by format: their request ids. */
  downloads: Partial<Record<ExportFormat, number>>;
  /** The import being checked in the worker. */
  importRequestId: number | null;
  onnx: OnnxCheckInfo | null;
}

export const initialExportsState: ExportsState = {
  imported: [],
  source: null,
  downloads: {},
  importRequestId: null,
  onnx: null,
};

/** Changed only by the user and the answers to its own requests (exportsController.ts). */
export const exportsSlice: Slice<ExportsState> = {
  initial: () => initialExportsState,
  on: {},
};

export function sourceKey(source: SourceChoice): string {
  return source.kind === 'epoch' ? String(source.epoch) : `import:${source.importId}`;
}

export function sourceFromKey(key: string): SourceChoice {
  return key.startsWith('import:')
    ? { kind: 'imported', importId: key.slice('import:'.length) }
    : { kind: 'epoch', epoch: Number(key) };
}

export function importedLabel(source: ImportedSource): string {
  return `imported: ${source.name}`;
}

/**
 * The source the sample panel shows: the chosen one while it exists, else the newest saved
 * generator of the viewed run, else the newest import.
 */
export function effectiveSource(
  state: ExportsState,
  checkpoints: number[],
): SourceChoice | null {
  const chosen = state.source;
  if (chosen?.kind === 'epoch' && checkpoints.includes(chosen.epoch)) return chosen;
  if (chosen?.kind === 'imported' && state.imported.some((i) => i.importId === chosen.importId)) return chosen;
  const last = checkpoints.at(-1);
  if (last !== undefined) return { kind: 'epoch', epoch: last };
  const newest = state.imported.at(-1);
  return newest ? { kind: 'imported', importId: newest.importId } : null;
}
