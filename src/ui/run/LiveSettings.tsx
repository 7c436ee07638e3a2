import { useState } from 'react';
import { describeLiveChange, type LiveSettings as Settings } from '../../core/liveSettings';
import { useLab, useLabState } from '../shared/useLab';
import type { LiveSettingsText } from './runActions';

/**
 * G's and D's learning rates and the average's decay, changeable while the run trains or is
 * paused: a change applies from the next step, is kept with the run (a resume uses it) and is
 * marked on the loss charts.
 */
export function LiveSettings() {
  const status = useLabState((s) => s.run?.status ?? null);
  const live = useLabState((s) => s.run?.live ?? null);
  if (!live || (status !== 'running' && status !== 'paused')) return null;
  // A fresh form whenever the settings in force change, filled with them.
  const key = `${live.gLr} ${live.dLr} ${live.averageDecay}`;
  return <LiveSettingsForm key={key} live={live} paused={status === 'paused'} />;
}

function LiveSettingsForm({ live, paused }: { live: Settings; paused: boolean }) {
  const { run: actions } = useLab();
  const [text, setText] = useState<LiveSettingsText>(() => ({
    gLr: String(live.gLr),
    dLr: String(live.dLr),
    averageDecay: live.averageDecay === null ? '' : String(live.averageDecay),
  }));
  const inForce = describeLiveChange({ ...live, averageDecay: live.averageDecay ?? undefined });

  const field = (key: keyof LiveSettingsText, label: string, testId: string, hint: string) => (
    <label className="field" title={hint}>
      <span className="field-label">{label}</span>
      <input
        data-testid={testId}
        type="text"
        inputMode="decimal"
        autoComplete="off"
        spellCheck={false}
        className="input wide"
        value={text[key]}
        onChange={(event) => setText({ ...text, [key]: event.target.value })}
      />
    </label>
  );

  return (
    <form
      className="live-settings"
      aria-labelledby="live-settings-title"
      onSubmit={(event) => {
        event.preventDefault();
        actions.applyLiveSettings(text);
      }}
    >
      <h3 id="live-settings-title" className="live-settings-title">
        Live settings
      </h3>
      <p className="hint">
        Now: <span data-testid="live-current">{inForce}</span>.{' '}
        {paused
          ? 'A change applies when the run resumes, and a later Resume of the saved run keeps it.'
          : 'A change applies from the next step, is kept with the run and is marked on the charts.'}
      </p>
      <div className="live-settings-fields">
        {field('gLr', 'G learning rate', 'live-g-lr', "The generator's Adam learning rate, above 0 and at most 1e6.")}
        {field('dLr', 'D learning rate', 'live-d-lr', "The discriminator's Adam learning rate, above 0 and at most 1e6.")}
        {live.averageDecay !== null &&
          field('averageDecay', 'Average decay', 'live-decay', "The decay of the average of G's weights, from 0 to below 1.")}
        <button type="submit" className="button" data-testid="live-apply">
          Apply
        </button>
      </div>
    </form>
  );
}
