import { useLab, useLabState } from '../shared/useLab';
import { canTrain } from './runActions';
import { isRunActive } from './runState';

export function RunControls() {
  const { run: actions } = useLab();
  const trainable = useLabState(canTrain);
  const active = useLabState((s) => isRunActive(s.run));
  const status = useLabState((s) => s.run?.status ?? null);
  const workerStatus = useLabState((s) => s.worker.status);
  const formValid = useLabState((s) => Object.keys(s.form.problems).length === 0);

  const paused = status === 'paused';
  const trainHint = active
    ? 'A run is in progress.'
    : !formValid
      ? 'Fix the settings marked below first.'
      : workerStatus === 'starting'
        ? 'Waiting for the training worker to pick a backend.'
        : 'Start training with these settings (Space).';

  return (
    <div className="run-controls">
      <button
        type="button"
        className="button primary"
        data-testid="train-button"
        disabled={!trainable}
        title={trainHint}
        onClick={actions.train}
      >
        Train
      </button>
      <button
        type="button"
        className="button"
        data-testid="pause-button"
        disabled={status !== 'running' && status !== 'paused'}
        title={paused ? 'Continue training (Space).' : 'Pause after the current step (Space).'}
        onClick={paused ? actions.resume : actions.pause}
      >
        {paused ? 'Resume' : 'Pause'}
      </button>
      <button
        type="button"
        className="button"
        data-testid="stop-button"
        disabled={!active}
        title="End this run after the current step."
        onClick={actions.stop}
      >
        Stop
      </button>
    </div>
  );
}
