import { useState } from 'react';
import { useLab, useLabState } from '../shared/useLab';
import { describeTrial } from './backendTrialState';

/** What `auto` measured and chose for this run, and a way to have it measure again. */
export function BackendTrial() {
  const trial = useLabState((s) => s.backendTrial);
  const { run } = useLab();
  const [forgotten, setForgotten] = useState(false);
  if (!trial) return null;
  return (
    <p className="backend-trial" data-testid="backend-trial" data-phase={trial.phase} data-chosen={trial.chosen ?? ''}>
      {describeTrial(trial)}{' '}
      {trial.phase !== 'measuring' &&
        (forgotten ? (
          <span>The next Train with auto measures again.</span>
        ) : (
          <button
            type="button"
            className="link-button"
            data-testid="backend-remeasure"
            onClick={() => {
              run.remeasureBackends();
              setForgotten(true);
            }}
          >
            Measure again
          </button>
        ))}
    </p>
  );
}
