import { useRef, useState } from 'react';
import { DIGIT_PIXELS } from '../../core/digits';
import { TrainingScriptError, trainingScript, trainingScriptFileName } from '../../core/trainingScript';
import { viewedRun } from '../history/historyState';
import { saveFile } from '../shared/saveFile';
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
 * Take the generator anywhere: the chosen generator as a TF.js Layers zip or as ONNX, a
 * generator file imported back to sample from, and the run's recipe as a PyTorch script.
 */
export function ExportPanel({ source, label }: ExportPanelProps) {
  const { exports } = useLab();
  const workerReady = useLabState((s) => s.worker.status === 'ready');
  const downloads = useLabState((s) => s.exports.downloads);
  const importing = useLabState((s) => s.exports.importRequestId !== null);
  const input = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const canExport = workerReady && source !== null;
  // The script trains the viewed run's recipe, or the one being set up before any run.
  const run = useLabState((s) => viewedRun(s.history));
  const formConfig = useLabState((s) => s.form.config);
  const [scriptProblem, setScriptProblem] = useState<string | null>(null);

  function downloadScript() {
    const config = run?.config ?? formConfig;
    const name = run?.name ?? config.preset;
    try {
      const text = trainingScript(config.recipe, {
        name,
        epochs: config.epochs,
        stepsPerEpoch: config.stepsPerEpoch,
        saveEvery: config.checkpointEvery,
        seed: config.seed,
      });
      setScriptProblem(null);
      saveFile(new Blob([text], { type: 'text/x-python' }), trainingScriptFileName(name));
    } catch (error) {
      if (!(error instanceof TrainingScriptError)) throw error;
      setScriptProblem(error.message);
    }
  }

  function chosen(files: FileList | null) {
    if (files && files.length > 0) exports.importFiles(Array.from(files));
    // The same file can be chosen again after a fix.
    if (input.current) input.current.value = '';
    if (folderInput.current) folderInput.current.value = '';
  }

  return (
    <div className="export-panel">
      <h3 className="subsection-title">Take the generator anywhere</h3>
      <p className="hint">
        The generator of {label ?? 'the chosen epoch'} as a TF.js Layers model (zip: model.json, weights,
          manifest.json), as ONNX (ONNX Runtime, OpenVINO) or as a Keras .h5 (the Keras scripts' sample.py).
          A downloaded zip or .h5, or the Keras scripts' own .h5 files, can be imported back to sample from;
          several .h5 generators at once (a whole GAN_images_models/ folder) become one saved run to scrub,
          its epochs read from the file names.
          A recipe that outgrows the tab leaves as a PyTorch training script for a GPU machine or several
          (torchrun); it saves the generator as Keras .h5 files.
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
        <button
          type="button"
          className="button"
          data-testid="download-keras"
          disabled={!canExport || downloads.keras !== undefined}
          onClick={() => source && exports.download(source, 'keras')}
          title="A Keras 2 whole-model .h5, as model.save writes it: keras.models.load_model (the Keras scripts' sample.py) loads it. Class-conditional generators are refused."
        >
          {downloads.keras !== undefined ? 'Preparing .h5…' : 'Keras .h5'}
        </button>
        <label className="field import-field">
          <span className="field-label">
            Import a generator{' '}
            <span className="unit">(TF.js zip, model.json with its weights, a Keras .h5, or several .h5 as one run)</span>
          </span>
          <input
            ref={input}
            type="file"
            className="file-input"
            data-testid="import-generator"
            accept=".zip,.json,.bin,.h5,.hdf5,application/zip,application/json,application/x-hdf5"
            multiple
            disabled={!workerReady || importing}
            onChange={(event) => chosen(event.target.files)}
          />
        </label>
        <label className="field import-field">
          <span className="field-label">
            Import a Keras folder <span className="unit">(GAN_images_models/: gan_generator_epoch_N.h5 as one run)</span>
          </span>
          <input
            ref={folderInput}
            type="file"
            className="file-input"
            data-testid="import-keras-folder"
            // Not in React's types: the browser's folder picker, which hands over every file inside.
            {...{ webkitdirectory: '' }}
            disabled={!workerReady || importing}
            onChange={(event) => chosen(event.target.files)}
          />
        </label>
        {importing && <span className="counter muted">Checking the files…</span>}
        <button
          type="button"
          className="button"
          data-testid="download-training-script"
          onClick={downloadScript}
          title="One Python file that trains this recipe in PyTorch on a GPU machine, or on several GPUs with torchrun; it saves the generator as Keras .h5 files that Import a generator takes back."
        >
          Training script (PyTorch)
        </button>
      </div>
      {scriptProblem && <p className="field-problem">{scriptProblem}</p>}
    </div>
  );
}
