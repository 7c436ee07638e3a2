import { PRESETS } from '../../core/presets';
import { useLab, useLabState } from '../shared/useLab';
import { FIELD_KEYS, type FieldKey } from './configForm';
import { isRunActive } from './runState';

const FIELD_LABELS: Record<FieldKey, { label: string; unit: string; hint: string }> = {
  epochs: { label: 'Epochs', unit: '', hint: 'How many epochs to train.' },
  stepsPerEpoch: {
    label: 'Steps per epoch',
    unit: 'steps',
    hint: 'Training steps (one D update + one G update each) per epoch.',
  },
  checkpointEvery: {
    label: 'Checkpoint every',
    unit: 'epochs',
    hint: 'The generator is kept every this many epochs, and after epoch 1.',
  },
  batchSize: { label: 'Batch size', unit: 'digits', hint: 'Real and generated digits per step.' },
  lr: { label: 'Learning rate', unit: '', hint: "Adam's step size, for both D and G." },
  seed: { label: 'Seed', unit: '', hint: 'Same seed and settings, same run.' },
  c2stEpochs: {
    label: 'C2ST critic',
    unit: 'epochs',
    hint:
      "Epochs the Quality panel's C2ST critic trains at each checkpoint; 0 turns it off. More read closer to npm run eval's judge " +
      'and pause training longer (about 1.2 s an epoch on wasm).',
  },
};

/** The run settings, editable before Train; each field says what is wrong with it. */
export function ConfigFields() {
  const { run: actions } = useLab();
  const form = useLabState((s) => s.form);
  const locked = useLabState((s) => isRunActive(s.run));
  const { config } = form;

  return (
    <div className="config">
      <div className="config-fields">
        {FIELD_KEYS.map((key) => {
          const problem = form.problems[key];
          const { label, unit, hint } = FIELD_LABELS[key];
          const problemId = `config-${key}-problem`;
          return (
            <label key={key} className="field" title={hint}>
              <span className="field-label">
                {label}
                {unit && <span className="unit"> ({unit})</span>}
              </span>
              <input
                data-testid={`config-${key}`}
                type="text"
                inputMode={key === 'lr' ? 'decimal' : 'numeric'}
                autoComplete="off"
                spellCheck={false}
                className={key === 'lr' ? 'input wide' : 'input'}
                value={form.fields[key]}
                disabled={locked}
                aria-invalid={problem ? true : undefined}
                aria-describedby={problem ? problemId : undefined}
                onChange={(event) => actions.editField(key, event.target.value)}
              />
              {problem && (
                <span id={problemId} className="field-problem">
                  {problem}
                </span>
              )}
            </label>
          );
        })}
      </div>
      <p className="hint preset-description">
        {PRESETS[config.preset].description} This run: {config.epochs} epochs ×{' '}
        {config.stepsPerEpoch} steps = {config.epochs * config.stepsPerEpoch} steps.
      </p>
    </div>
  );
}
