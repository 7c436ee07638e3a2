import { useRef } from 'react';
import { DIGIT_PIXELS } from '../../core/digits';
import { useLab, useLabState } from '../shared/useLab';
import type { SourceChoice } from './exportsState';
import './exports.css';

interface ExportPanelProps {
  /** The generator the sample panel shows; null when there is none yet. */
  source: SourceChoice | null;
  /** "epoch 20" or "imported: <file name>". */
  label: string | null;
}

/**
 * Take the generator anywhere: the chosen generator as a TF.js Layers zip or as ONNX, and a
 * generator file imported back to sample from.
 */
export function ExportPanel({ source, label }: ExportPanelProps) {
  const { exports } = useLab();
  const workerReady = useLabState((s) => s.worker.status === 'ready');
  const downloads = useLabState((s) => s.exports.downloads);
  const importing = useLabState((s) => s.exports.importRequestId !== null);
  const input = useRef<HTMLInputElement>(null);
  const canExport = workerReady && source !== null;

  function chosen(files: FileList | null) {
    if (files && files.length > 0) exports.importFiles(Array.from(files));
    // The same file can be chosen again after a fix.
    if (input.current) input.current.value = '';
  }

  return (
    <div className="export-panel">
      <h3 className="subsection-title">Take the generator anywhere</h3>
      <p className="hint">
        The generator of {label ?? 'the chosen epoch'} as a TF.js Layers model (zip: model.json, weights,
        manifest.json) or as ONNX, for Python, Keras, ONNX Runtime or OpenVINO. A downloaded zip can be
        imported back to sample from.
      </p>
      <div className="downloads">
        <button
          type="button"
          className="button"
          data-testid="download-generator"
          disabled={!canExport || downloads.tfjs !== undefined}
          onClick={() => source && exports.download(source, 'tfjs')}
          title="model.json, its weights and manifest.json in one zip."
        >
          {downloads.tfjs !== undefined ? 'Preparing zip…' : 'Generator (TF.js zip)'}
        </button>
        <button
          type="button"
          className="button"
          data-testid="download-onnx"
          disabled={!canExport || downloads.onnx !== undefined}
          onClick={() => source && exports.download(source, 'onnx')}
          title={`One ONNX model, opset 13: noise [N, latent size] → image [N, ${DIGIT_PIXELS}]; the recipe travels in its metadata.`}
        >
          {downloads.onnx !== undefined ? 'Preparing ONNX…' : 'ONNX'}
        </button>
        <label className="field import-field">
          <span className="field-label">
            Import a generator <span className="unit">(TF.js zip, or model.json with its weights)</span>
          </span>
          <input
            ref={input}
            type="file"
            className="file-input"
            data-testid="import-generator"
            accept=".zip,.json,.bin,application/zip,application/json"
            multiple
            disabled={!workerReady || importing}
            onChange={(event) => chosen(event.target.files)}
          />
        </label>
        {importing && <span className="counter muted">Checking the file…</span>}
      </div>
    </div>
  );
}
