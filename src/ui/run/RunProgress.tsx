import { formatPercent } from '../shared/units';
import { useLabState } from '../shared/useLab';
import type { RunState } from './runState';

/** Epoch and step counters with a bar: the header's one-glance answer to "how far along?". */
export function RunProgress() {
  const run = useLabState((s) => s.run);
  const plannedEpochs = useLabState((s) => s.form.config.epochs);
  const plannedSteps = useLabState((s) => s.form.config.epochs * s.form.config.stepsPerEpoch);

  const epochs = run ? run.config.epochs : plannedEpochs;
  const total = run ? run.totalSteps : plannedSteps;
  const step = run?.step ?? 0;
  const fraction = total > 0 ? step / total : 0;

  return (
    <div className="run-progress">
      <span className={`status-pill status-${run?.status ?? 'idle'}`}>{statusText(run)}</span>
      <span className="counter" data-testid="status-epoch">
        Epoch {run?.epoch ?? 0} / {epochs}
      </span>
      <span className="counter" data-testid="status-step">
        Step {step} / {total}
      </span>
      <progress
        className="progress-bar"
        max={Math.max(total, 1)}
        value={step}
        aria-label="Training progress"
      />
      <span className="counter percent">{formatPercent(fraction)}</span>
    </div>
  );
}

function statusText(run: RunState | null): string {
  if (!run) return 'idle';
  switch (run.status) {
    case 'loading':
      return 'loading MNIST';
    case 'running':
      if (run.pending === 'pause') return 'running · pausing';
      if (run.pending === 'stop') return 'running · stopping';
      return 'running';
    case 'paused':
      return run.pending === 'stop' ? 'paused · stopping' : 'paused';
    case 'stopped':
      if (run.stopReason === 'completed') return 'completed';
      if (run.stopReason === 'error') return 'stopped by an error';
      return 'stopped';
  }
}
