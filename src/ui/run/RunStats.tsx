import { etaSeconds, formatDuration, formatMemory, formatStepsPerSecond } from '../shared/units';
import { useLabState } from '../shared/useLab';

/** Speed, time left and where the math runs. */
export function RunStats() {
  const run = useLabState((s) => s.run);
  const workerBackend = useLabState((s) => s.worker.backend);
  const workerDetail = useLabState((s) => s.worker.backendDetail);
  const workerStatus = useLabState((s) => s.worker.status);

  const backend = run?.backend ?? workerBackend;
  const detail = run?.backendDetail ?? workerDetail;
  const backendText = backend ?? (workerStatus === 'starting' ? 'checking…' : 'none');
  const eta =
    run?.status === 'running'
      ? formatDuration(etaSeconds(run.step, run.totalSteps, run.stepsPerSecond))
      : '—';

  return (
    <dl className="stats">
      <div className="stat">
        <dt>Speed</dt>
        <dd className="counter" data-testid="steps-per-second">
          {formatStepsPerSecond(run?.stepsPerSecond ?? 0)}
        </dd>
      </div>
      <div className="stat">
        <dt>Time left</dt>
        <dd className="counter" data-testid="status-eta">
          {eta}
        </dd>
      </div>
      <div className="stat">
        <dt>Elapsed</dt>
        <dd className="counter">{run ? formatDuration(run.elapsedMs / 1000) : '—'}</dd>
      </div>
      <div className="stat">
        <dt>Worker memory</dt>
        <dd className="counter" data-testid="worker-memory">
          {run && run.tensors > 0 ? formatMemory(run.bytes, run.tensors) : '—'}
        </dd>
      </div>
      <div className="stat">
        <dt>Where it runs</dt>
        <dd className="counter" data-testid="status-backend">
          Backend: {backendText}
          {detail && <span className="backend-detail">{detail}</span>}
        </dd>
      </div>
    </dl>
  );
}
