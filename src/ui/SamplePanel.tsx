import { useState } from 'react';
import { DigitCanvas } from './DigitCanvas';
import { viewedRun } from './historyState';
import { useHistory, useLabState } from './useLab';

const MAX_COUNT = 100;
const INTERPOLATION_STEPS = 10;
const MAX_SEED = 2 ** 32 - 1;

function parseWhole(text: string, min: number, max: number): number | null {
  const value = Number(text.trim());
  return text.trim() !== '' && Number.isInteger(value) && value >= min && value <= max ? value : null;
}

/**
 * The original `sample.py` in the browser: fresh digits from the generator saved at any
 * checkpoint, from a seed (the same seed draws the same digits), and a walk between two seeds.
 */
export function SamplePanel() {
  const history = useHistory();
  const run = useLabState((s) => viewedRun(s.history));
  const sample = useLabState((s) => s.history.sample);
  const interpolation = useLabState((s) => s.history.interpolation);
  const workerReady = useLabState((s) => s.worker.status === 'ready');
  const [chosenEpoch, setChosenEpoch] = useState<number | null>(null);
  const [seed, setSeed] = useState('1');
  const [count, setCount] = useState('100');
  const [seedA, setSeedA] = useState('1');
  const [seedB, setSeedB] = useState('2');

  const checkpoints = (run?.epochs ?? []).filter((e) => e.hasGenerator).map((e) => e.epoch);
  const epoch = chosenEpoch !== null && checkpoints.includes(chosenEpoch) ? chosenEpoch : (checkpoints.at(-1) ?? null);
  const seedValue = parseWhole(seed, 0, MAX_SEED);
  const countValue = parseWhole(count, 1, MAX_COUNT);
  const seedAValue = parseWhole(seedA, 0, MAX_SEED);
  const seedBValue = parseWhole(seedB, 0, MAX_SEED);
  const canSample = workerReady && epoch !== null;
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
      {checkpoints.length === 0 ? (
        <p className="history-empty">
          No saved generator yet: one is kept after epoch 1 and every “checkpoint every” epochs.
        </p>
      ) : (
        <>
          <div className="sample-form">
            <label className="field">
              <span className="field-label">Epoch</span>
              <select
                className="input"
                data-testid="sample-epoch"
                value={epoch ?? ''}
                onChange={(event) => setChosenEpoch(Number(event.target.value))}
              >
                {checkpoints.map((e) => (
                  <option key={e} value={e}>
                    {e}
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
              onClick={() => epoch !== null && history.sample(epoch, seedValue!, countValue!)}
            >
              Sample
            </button>
          </div>
          {problem && <p className="field-problem">{problem}</p>}
          <figure className="grid-figure">
            <div className="grid-frame sample-frame">
              <DigitCanvas
                testId="sample-grid"
                pixels={samplePixels?.pixels}
                rows={samplePixels?.rows ?? 10}
                cols={samplePixels?.cols ?? 10}
                version={samplePixels?.version ?? 0}
                label={sample ? `${sample.count} digits from epoch ${sample.epoch}, seed ${sample.seeds}` : 'No sample yet'}
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
                      : `${sample.count} digits · epoch ${sample.epoch} · seed ${sample.seeds}`}
                </span>
              ) : (
                <span className="muted">Choose an epoch and a seed, then Sample.</span>
              )}
            </figcaption>
          </figure>
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
              disabled={!canSample || seedAValue === null || seedBValue === null || interpolation?.status === 'pending'}
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
    </section>
  );
}
