import { useState } from 'react';
import { DigitCanvas } from '../shared/DigitCanvas';
import { ExportPanel } from '../exports/ExportPanel';
import { effectiveSource, importedLabel, sourceFromKey, sourceKey } from '../exports/exportsState';
import { viewedRun } from '../history/historyState';
import { OnnxCheck } from '../exports/OnnxCheck';
import { useExports, useHistory, useLabState } from '../shared/useLab';

const MAX_COUNT = 100;
const INTERPOLATION_STEPS = 10;
const MAX_SEED = 2 ** 32 - 1;

function parseWhole(text: string, min: number, max: number): number | null {
  const value = Number(text.trim());
  return text.trim() !== '' && Number.isInteger(value) && value >= min && value <= max ? value : null;
}

/**
 * The original `sample.py` in the browser: fresh digits from the generator saved at any
 * checkpoint (or one imported from a file), from a seed (the same seed draws the same digits),
 * and a walk between two seeds; the same digits from the exported ONNX model in ONNX Runtime;
 * the generator as files.
 */
export function SamplePanel() {
  const history = useHistory();
  const exports = useExports();
  const exportsState = useLabState((s) => s.exports);
  const run = useLabState((s) => viewedRun(s.history));
  const sample = useLabState((s) => s.history.sample);
  const interpolation = useLabState((s) => s.history.interpolation);
  const workerReady = useLabState((s) => s.worker.status === 'ready');
  const [seed, setSeed] = useState('1');
  const [count, setCount] = useState('100');
  const [seedA, setSeedA] = useState('1');
  const [seedB, setSeedB] = useState('2');

  const checkpoints = (run?.epochs ?? []).filter((e) => e.hasGenerator).map((e) => e.epoch);
  const source = effectiveSource(exportsState, checkpoints);
  const epoch = source?.kind === 'epoch' ? source.epoch : null;
  const importedSource = source?.kind === 'imported' ? exportsState.imported.find((i) => i.importId === source.importId) : undefined;
  const sourceLabel = importedSource ? importedLabel(importedSource) : epoch !== null ? `epoch ${epoch}` : null;
  const seedValue = parseWhole(seed, 0, MAX_SEED);
  const countValue = parseWhole(count, 1, MAX_COUNT);
  const seedAValue = parseWhole(seedA, 0, MAX_SEED);
  const seedBValue = parseWhole(seedB, 0, MAX_SEED);
  const canSample = workerReady && source !== null;
  const onnxBusy = exportsState.onnx !== null && !['done', 'error'].includes(exportsState.onnx.status);

  function drawSample() {
    if (!source) return;
    if (source.kind === 'epoch') history.sample(source.epoch, seedValue!, countValue!);
    else if (importedSource) history.sampleImported(source.importId, importedLabel(importedSource), seedValue!, countValue!);
  }
  const samplePixels = history.samplePixels('sample');
  const rowPixels = history.samplePixels('interpolate');
  const problem =
    seedValue === null
      ? `The seed must be a whole number from 0 to ${MAX_SEED}.`
      : countValue === null
        ? `The count must be a whole number from 1 to ${MAX_COUNT}.`
        : null;

  return (
    <section className="panel sample-panel" aria-labelledby="sample-title">
      <h2 id="sample-title" className="panel-title">
        Sample
      </h2>
      <p className="hint">
        New digits from a saved generator, as the original <code>sample.py</code> drew them: noise
        from the seed goes through the generator of the chosen epoch. The same seed gives the same
        digits.
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
                Count <span className="unit">(1–{MAX_COUNT})</span>
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
                exports.runOnnx(source, seedValue!, countValue!);
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
                rows={samplePixels?.rows ?? 10}
                cols={samplePixels?.cols ?? 10}
                version={samplePixels?.version ?? 0}
                label={sample ? `${sample.count} digits from ${sample.sourceName ?? `epoch ${sample.epoch}`}, seed ${sample.seeds}` : 'No sample yet'}
                data={{ version: samplePixels?.version, status: sample?.status }}
              />
            </div>
            <figcaption className="grid-caption">
              {sample ? (
                <span className="counter">
                  {sample.status === 'pending'
                    ? 'Sampling…'
                    : sample.status === 'error'
                      ? sample.message
                      : `${sample.count} digits · TF.js · ${sample.sourceName ?? `epoch ${sample.epoch}`} · seed ${sample.seeds}`}
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
              onClick={() => epoch !== null && history.interpolate(epoch, seedAValue!, seedBValue!, INTERPOLATION_STEPS)}
              title="Ten digits along the path from seed A's noise to seed B's."
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
