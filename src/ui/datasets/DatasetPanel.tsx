import { useMemo, useRef, useState } from 'react';
import { DIGIT_PIXELS } from '../../core/digits';
import { MNIST_DATASET } from '../../core/config';
import { DEFAULT_PICTURE_OPTIONS, type PictureOptions } from '../../core/datasets/pictureDataset';
import { PREVIEW_IMAGES, type DatasetRecord, describeEvaluator } from '../../storage/datasetRepository';
import { isRunActive } from '../run/runState';
import { DigitCanvas } from '../shared/DigitCanvas';
import { useLab, useLabState } from '../shared/useLab';
import './datasets.css';

const PREVIEW_SIDE = Math.sqrt(PREVIEW_IMAGES);
const MNIST_SUMMARY = '70,000 images: 60,000 to train on, 10,000 test images to evaluate with; labelled 0–9. Built in.';

function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** What the chosen dataset holds; its first number is the image count (a contract of the page). */
export function datasetSummary(dataset: DatasetRecord): string {
  const total = dataset.trainCount + dataset.testCount;
  const test = dataset.testFrom === 'files' ? `${count(dataset.testCount)} test images` : `${count(dataset.testCount)} held out`;
  const names = dataset.classNames?.length ? ` (${dataset.classNames.join(', ')})` : '';
  const labels = dataset.classes > 0 ? `labelled, ${dataset.classes} classes${names}` : 'unlabelled';
  const judged = dataset.evaluator
    ? ` Its evaluation classifier (for FD and the score): ${describeEvaluator(dataset.evaluator)}.`
    : dataset.classes > 1
      ? ' Its evaluation classifier is trained at its first run.'
      : ' Quality: the C2ST alone (no labels for a classifier).';
  return `${count(total)} images: ${count(dataset.trainCount)} to train on, ${test} to evaluate with; ${labels}. Imported from ${dataset.source.join(', ')}.${judged}`;
}

/** The first training images as a full square grid (blank where the dataset has fewer). */
function previewGrid(dataset: DatasetRecord): Uint8ClampedArray {
  const grid = new Uint8ClampedArray(PREVIEW_IMAGES * DIGIT_PIXELS);
  grid.set(dataset.preview.subarray(0, grid.length));
  return grid;
}

/** The name a new dataset gets unless the user types one: its first file's, without the IDX suffixes. */
function nameFromFiles(files: File[]): string {
  const first = files.find((f) => !/t10k|test/i.test(f.name)) ?? files[0];
  return first.name.replace(/\.gz$/i, '').replace(/[-_.]?(idx\d-ubyte|images|labels|train)+/gi, '').replace(/[-_.]+$/, '') || first.name;
}

/**
 * What the next run trains on: MNIST, or a dataset imported into this browser from IDX files
 * (kept in IndexedDB, nothing uploaded). Shows the chosen set's counts and first images.
 */
export function DatasetPanel() {
  const { run, datasets } = useLab();
  const chosen = useLabState((s) => s.form.config.dataset);
  const { list, importing, loaded } = useLabState((s) => s.datasets);
  const locked = useLabState((s) => isRunActive(s.run));
  const [name, setName] = useState('');
  const [pictures, setPictures] = useState<PictureOptions>(DEFAULT_PICTURE_OPTIONS);
  const input = useRef<HTMLInputElement>(null);
  const folder = useRef<HTMLInputElement>(null);
  const dataset = list.find((d) => d.id === chosen) ?? null;
  const preview = useMemo(() => (dataset ? previewGrid(dataset) : undefined), [dataset]);
  const missing = chosen !== MNIST_DATASET && loaded && !dataset;

  const chooseFiles = (files: FileList | null) => {
    const chosenFiles = Array.from(files ?? []);
    if (chosenFiles.length > 0) datasets.importFiles(name.trim() || nameFromFiles(chosenFiles), chosenFiles, pictures);
    // The same files can be chosen again after a refusal.
    for (const element of [input.current, folder.current]) if (element) element.value = '';
  };

  return (
    <section className="dataset-panel" aria-label="Dataset">
      <div className="dataset-row">
        <label className="field">
          <span className="field-label">Dataset</span>
          <select data-testid="dataset-select" value={chosen} disabled={locked} onChange={(event) => run.chooseDataset(event.target.value)}>
            <option value={MNIST_DATASET}>MNIST (built in)</option>
            {list.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
            {missing && <option value={chosen}>a deleted dataset</option>}
          </select>
        </label>
        <p className="dataset-summary counter" data-testid="dataset-summary">
          {dataset ? datasetSummary(dataset) : missing ? 'This dataset is no longer in this browser: import its files again, or choose another.' : MNIST_SUMMARY}
        </p>
        {dataset && (
          <button type="button" className="button" data-testid="dataset-delete" disabled={locked} onClick={() => void datasets.remove(dataset.id)}>
            Delete {dataset.name}
          </button>
        )}
      </div>
      <details className="dataset-import">
        <summary data-testid="dataset-import-open">Import a dataset: IDX files, or pictures</summary>
        <div className="dataset-row">
          <label className="field">
            <span className="field-label">New dataset's name</span>
            <input
              className="input wide"
              type="text"
              data-testid="dataset-name"
              placeholder="from the file names"
              value={name}
              maxLength={60}
              onChange={(event) => setName(event.target.value)}
            />
          </label>
          <label className="field import-field">
            <span className="field-label">
              Import files <span className="unit">(IDX images, labels, test pair, raw or .gz; or a zip of PNG/JPEG pictures, or the pictures)</span>
            </span>
            <input
              ref={input}
              type="file"
              className="file-input"
              data-testid="dataset-import"
              multiple
              disabled={importing}
              onChange={(event) => chooseFiles(event.target.files)}
            />
          </label>
          <label className="field import-field">
            <span className="field-label">or a folder of pictures</span>
            <input
              ref={(element) => {
                folder.current = element;
                // Not in React's typings: lets the input take a whole folder, with the files' paths.
                element?.setAttribute('webkitdirectory', '');
              }}
              type="file"
              className="file-input"
              data-testid="dataset-import-folder"
              disabled={importing}
              onChange={(event) => chooseFiles(event.target.files)}
            />
          </label>
          {importing && <span className="counter muted">Reading the files…</span>}
        </div>
        <fieldset className="dataset-row picture-options" disabled={importing}>
          <legend className="hint">Pictures become 28×28 grey images, light strokes on dark as MNIST's:</legend>
          <label className="field">
            <span className="field-label">Fit</span>
            <select data-testid="dataset-fit" value={pictures.fit} onChange={(event) => setPictures({ ...pictures, fit: event.target.value === 'crop' ? 'crop' : 'pad' })}>
              <option value="pad">whole picture, padded</option>
              <option value="crop">middle square, cropped</option>
            </select>
          </label>
          <label className="field">
            <span className="field-label">Invert</span>
            <select
              data-testid="dataset-invert"
              value={pictures.invert}
              onChange={(event) => setPictures({ ...pictures, invert: event.target.value === 'yes' ? 'yes' : event.target.value === 'no' ? 'no' : 'auto' })}
            >
              <option value="auto">when dark on light (by the border)</option>
              <option value="yes">always</option>
              <option value="no">never</option>
            </select>
          </label>
          <label className="field checkbox-field">
            <input
              type="checkbox"
              data-testid="dataset-folder-labels"
              checked={pictures.labelsFromFolders}
              onChange={(event) => setPictures({ ...pictures, labelsFromFolders: event.target.checked })}
            />
            <span>label each picture by its folder</span>
          </label>
        </fieldset>
      </details>
      {dataset && preview && (
        <figure className="dataset-preview">
          <DigitCanvas pixels={preview} rows={PREVIEW_SIDE} cols={PREVIEW_SIDE} version={dataset.id} label={`The first training images of ${dataset.name}`} testId="dataset-preview" />
          <figcaption className="hint">What training sees: the first {Math.min(PREVIEW_IMAGES, dataset.trainCount)} training images.</figcaption>
        </figure>
      )}
    </section>
  );
}
