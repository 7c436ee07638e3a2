import { BACKENDS, type BackendChoice, type BackendName } from '../../core/config';
import { PRESETS, isPresetName } from '../../core/presets';
import { useLab, useLabState } from '../shared/useLab';
import { isRunActive } from './runState';

/** Preset and backend: the two choices that shape a run, editable before Train. */
export function SetupSelects() {
  const { run: actions } = useLab();
  const preset = useLabState((s) => s.form.config.preset);
  const backend = useLabState((s) => s.form.config.backend);
  const worker = useLabState((s) => s.worker);
  const locked = useLabState((s) => isRunActive(s.run));

  const options: BackendName[] =
    worker.available.length > 0 ? worker.available : backend === 'auto' ? [] : [backend];
  const autoLabel =
    worker.status === 'ready' && worker.backend && backend === 'auto'
      ? `auto (${worker.backend})`
      : 'auto (best available)';

  return (
    <div className="setup-selects">
      <label className="field">
        <span className="field-label">Preset</span>
        <select
          data-testid="preset-select"
          value={preset}
          disabled={locked}
          onChange={(event) => {
            if (isPresetName(event.target.value)) actions.choosePreset(event.target.value);
          }}
        >
          {Object.entries(PRESETS).map(([name, info]) => (
            <option key={name} value={name}>
              {info.label}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span className="field-label">Backend</span>
        <select
          data-testid="backend-select"
          value={backend}
          disabled={locked}
          onChange={(event) => actions.chooseBackend(toBackendChoice(event.target.value))}
        >
          <option value="auto">{autoLabel}</option>
          {options.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

function toBackendChoice(value: string): BackendChoice {
  return (BACKENDS as readonly string[]).includes(value) ? (value as BackendName) : 'auto';
}
