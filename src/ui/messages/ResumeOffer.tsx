import { useState } from 'react';
import { useBusyRuns } from '../history/useBusyRuns';
import { useLab, useLabState } from '../shared/useLab';
import './messages.css';

/**
 * After a reload or a closed tab, the run that was training is offered back with one click rather
 * than resumed on its own: a reload may be how someone got out of a run that froze their machine,
 * and another tab may want the run. The run lost at most the epoch it was in.
 */
export function ResumeOffer() {
  const { savedRuns } = useLab();
  const [dismissed, setDismissed] = useState<string | null>(null);
  const idle = useLabState((s) => s.run === null);
  const ready = useLabState((s) => s.worker.status === 'ready');
  const runs = useLabState((s) => s.history.runs);
  const elsewhere = useBusyRuns();
  const run = runs?.find((r) => r.status === 'training' || r.status === 'paused');
  if (!idle || !run?.latest || elsewhere.has(run.id) || dismissed === run.id) return null;
  const epoch = run.epochs.at(-1)?.epoch ?? 0;
  return (
    <div className="notice" data-testid="resume-offer" role="status">
      <span>
        {run.name} {run.status === 'paused' ? 'is paused' : 'was interrupted (the page was reloaded or closed)'}{' '}
        after epoch {epoch} of {run.config.epochs}. It can go on exactly from step {run.latest.step}.
      </span>
      <button
        type="button"
        className="button primary"
        data-testid="resume-interrupted"
        disabled={!ready}
        onClick={() => void savedRuns.resumeRun(run.id)}
      >
        Resume
      </button>
      <button type="button" className="close" aria-label="Dismiss" onClick={() => setDismissed(run.id)}>
        ×
      </button>
    </div>
  );
}
