import { useState } from 'react';
import { DIGIT_CLASSES, GRID_COLS, GRID_ROWS, MAX_SAMPLES, SAMPLE_LIMITS, wholeNumberProblem } from '../../core/digits';
import { ExportPanel } from '../exports/ExportPanel';
import { effectiveSource, importedLabel, sourceFromKey, sourceKey } from '../exports/exportsState';
import { OnnxCheck } from '../exports/OnnxCheck';
import { viewedRun } from '../history/historyState';
import { DigitCanvas } from '../shared/DigitCanvas';
import { useLab, useLabState } from '../shared/useLab';
import './sample.css';

/** An interpolation is one row as wide as the grid. */
const INTERPOLATION_STEPS = GRID_COLS;

/** A typed whole number within `limits`, or why it is not one (in the words the worker uses too). */
function wholeNumber(name: string, text: string, limits: { min: number; max: number }) {
  const value = text.trim() === '' ? Number.NaN : Number(text);
  const problem = wholeNumberProblem(name, value, limits);
  return { value: problem === null ? value : null, problem };
}

function digitCaption(digit: number | undefined): string {
  return digit === undefined ? '' : ` · digit ${digit}`;
}

/**
 * The original `sample.py` in the browser: fresh digits from the generator saved at any
 * checkpoint (or one imported from a file), from a seed (the same seed draws the same digits),
 * and a walk between two seeds; the same digits from the exported ONNX model in ONNX Runtime;
 * the generator as files.
 */
export function SamplePanel() {
  const { sampling, exports } = useLab();
  const exportsState = useLabState((s) => s.exports);
  const run = useLabState((s) => viewedRun(s.history));
  const sample = useLabState((s) => s.sampling.sample);
  const interpolation = useLabState((s) => s.sampling.interpolation);
  const workerReady = useLabState((s) => s.worker.status === 'ready');
  const [seed, setSeed] = useState('1');
  const [count, setCount] = useState(String(MAX_SAMPLES));
  const [seedA, setSeedA] = useState('1');
  const [seedB, setSeedB] = useState('2');
  /** The digit a class-conditional generator draws: '' for each digit in turn. */
  const [digit, setDigit] = useState('');

  const checkpoints = (run?.epochs ?? []).filter((e) => e.hasGenerator).map((e) => e.epoch);
  const source = effectiveSource(exportsState, checkpoints);
  const epoch = source?.kind === 'epoch' ? source.epoch : null;
  const importedSource = source?.kind === 'imported' ? exportsState.imported.find((i) => i.importId === source.importId) : undefined;
  const sourceLabel = importedSource ? importedLabel(importedSource) : epoch !== null ? `epoch ${epoch}` : null;
  const seedField = wholeNumber('seed', seed, SAMPLE_LIMITS.seed);
  const countField = wholeNumber('count', count, SAMPLE_LIMITS.count);
  const seedValue = seedField.value;
  const countValue = countField.value;
  const seedAValue = wholeNumber('seed A', seedA, SAMPLE_LIMITS.seed).value;
  const seedBValue = wholeNumber('seed B', seedB, SAMPLE_LIMITS.seed).value;
  const canSample = workerReady && source !== null;
  // Only a class-conditional run's generators take a digit (recipe.ts' conditioning).
  const conditional = epoch !== null && run?.config.recipe.conditioning === 'class';
  const digitValue = conditional && digit !== '' ? Number(digit) : undefined;
  const onnxBusy = exportsState.onnx !== null && !['done', 'error'].includes(exportsState.onnx.status);

  function drawSample() {
    if (!source) return;
    if (source.kind === 'epoch') sampling.sample(source.epoch, seedValue!, countValue!, digitValue);
    else if (importedSource) sampling.sampleImported(source.importId, importedLabel(importedSource), seedValue!, countValue!);
  }
  const samplePixels = sampling.pixels('sample');
  const rowPixels = sampling.pixels('interpolate');
  const problem = seedField.problem ?? countField.problem;

  return (
    <section className="panel sample-panel" aria-labelledby="sample-title">
      <h2 id="sample-title" className="panel-title">
        Sample
      </h2>
      <p className="hint">
        New digits from a saved generator, as the original <code>sample.py</code> drew them: noise
        from the seed goes through the generator of the chosen epoch. The same seed gives the same
        digits.{conditional && ' This run is class-conditional: choose the digit its generator draws.'}
      </p>
      {checkpoints.length === 0 && exportsState.imported.length === 0 ? (
        <p className="history-empty">
          No saved generator yet: one is kept after epoch 1 and every “checkpoint every” epochs.
        </p>
      ) : (
        <>
          <div className="sample-form">
            <label className="field">
              <span className="field-label">Generator</span>
              <select
                className="input"
                data-testid="sample-epoch"
                value={source ? sourceKey(source) : ''}
                onChange={(event) => exports.choose(sourceFromKey(event.target.value))}
              >
                {checkpoints.map((e) => (
                  <option key={e} value={e}>
                    epoch {e}
                  </option>
                ))}
                {exportsState.imported.map((i) => (
                  <option key={i.importId} value={sourceKey({ kind: 'imported', importId: i.importId })}>
                    {importedLabel(i)}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span className="field-label">Seed</span>
              <input
                className="input"
                data-testid="sample-seed"
                inputMode="numeric"
                value={seed}
                aria-invalid={seedValue === null || undefined}
                onChange={(event) => setSeed(event.target.value)}
              />
            </label>
            <label className="field">
              <span className="field-label">
                Count <span className="unit">({SAMPLE_LIMITS.count.min}–{SAMPLE_LIMITS.count.max})</span>
              </span>
              <input
                className="input"
                data-testid="sample-count"
                inputMode="numeric"
                value={count}
                aria-invalid={countValue === null || undefined}
                onChange={(event) => setCount(event.target.value)}
              />
            </label>
            {conditional && (
              <label className="field">
                <span className="field-label">Digit</span>
                <select
                  className="input"
                  data-testid="sample-digit"
                  value={digit}
                  onChange={(event) => setDigit(event.target.value)}
                  title="This run's generator is class-conditional: it draws the digit it is asked for."
                >
                  <option value="">each in turn</option>
                  {Array.from({ length: DIGIT_CLASSES }, (_, d) => (
                    <option key={d} value={d}>
                      {d}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <button
              type="button"
              className="button primary"
              data-testid="sample-button"
              disabled={!canSample || problem !== null || sample?.status === 'pending'}
              onClick={drawSample}
            >
              Sample
            </button>
            <button
              type="button"
              className="button"
              data-testid="onnx-run-button"
              disabled={!canSample || problem !== null || onnxBusy}
              onClick={() => {
                if (!source) return;
                // The tfjs sample and the ONNX grid come from the same seeded noise, side by side.
                drawSample();
                exports.runOnnx(source, seedValue!, countValue!, digitValue);
              }}
              title="Export this generator as ONNX and run it in ONNX Runtime (onnxruntime-web) on the same noise."
            >
              Run with ONNX Runtime
            </button>
          </div>
          {problem && <p className="field-problem">{problem}</p>}
          <div className="sample-compare">
          <figure className="grid-figure">
            <div className="grid-frame sample-frame">
              <DigitCanvas
                testId="sample-grid"
                pixels={samplePixels?.pixels}
                rows={samplePixels?.rows ?? GRID_ROWS}
                cols={samplePixels?.cols ?? GRID_COLS}
                version={samplePixels?.version ?? 0}
                label={sample ? `${sample.count} digits from ${sample.sourceName ?? `epoch ${sample.epoch}`}, seed ${sample.seeds}${digitCaption(sample.digit)}` : 'No sample yet'}
                data={{ version: samplePixels?.version, status: sample?.status, digit: sample?.digit }}
              />
            </div>
            <figcaption className="grid-caption">
              {sample ? (
                <span className="counter">
                  {sample.status === 'pending'
                    ? 'Sampling…'
                    : sample.status === 'error'
                      ? sample.message
                      : `${sample.count} digits · TF.js · ${sample.sourceName ?? `epoch ${sample.epoch}`} · seed ${sample.seeds}${digitCaption(sample.digit)}`}
                </span>
              ) : (
                <span className="muted">Choose an epoch and a seed, then Sample.</span>
              )}
            </figcaption>
          </figure>
          <OnnxCheck />
          </div>
          <h3 className="subsection-title">Interpolate between two seeds</h3>
          <div className="sample-form">
            <label className="field">
              <span className="field-label">Seed A</span>
              <input className="input" data-testid="interpolate-seed-a" inputMode="numeric" value={seedA} onChange={(event) => setSeedA(event.target.value)} />
            </label>
            <label className="field">
              <span className="field-label">Seed B</span>
              <input className="input" data-testid="interpolate-seed-b" inputMode="numeric" value={seedB} onChange={(event) => setSeedB(event.target.value)} />
            </label>
            <button
              type="button"
              className="button"
              data-testid="interpolate-button"
              disabled={epoch === null || !canSample || seedAValue === null || seedBValue === null || interpolation?.status === 'pending'}
              onClick={() => epoch !== null && sampling.interpolate(epoch, seedAValue!, seedBValue!, INTERPOLATION_STEPS, digitValue)}
              title={`${INTERPOLATION_STEPS} digits along the path from seed A's noise to seed B's.`}
            >
              Interpolate
            </button>
          </div>
          <div className="grid-frame interpolation-frame">
            <DigitCanvas
              testId="interpolation-row"
              className="grid-canvas row-canvas"
              pixels={rowPixels?.pixels}
              rows={1}
              cols={INTERPOLATION_STEPS}
              version={rowPixels?.version ?? 0}
              label={interpolation ? `Digits from seed ${interpolation.seeds}, epoch ${interpolation.epoch}` : 'No interpolation yet'}
            />
          </div>
          {interpolation?.status === 'error' && <p className="field-problem">{interpolation.message}</p>}
        </>
      )}
      <ExportPanel source={source} label={sourceLabel} />
    </section>
  );
}
