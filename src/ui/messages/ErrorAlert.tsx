import { useMemo } from 'react';
import { isRunActive } from '../run/runState';
import { useLab, useLabState } from '../shared/useLab';
import './messages.css';

/** Present only while something is wrong: bad settings, a worker error or a crash. */
export function ErrorAlert() {
  const { messages: actions, savedRuns } = useLab();
  const errors = useLabState((s) => s.messages.errors);
  const problems = useLabState((s) => s.form.problems);
  const dismissed = useLabState((s) => s.messages.hiddenFieldProblems === s.form.problems);
  const canResume = useLabState((s) => !isRunActive(s.run) && s.worker.status !== 'starting');

  const messages = useMemo(() => {
    const all: { key: string; text: string; resumeRunId?: string }[] = errors.map((error) => ({
      key: `e${error.id}`,
      text: error.message,
      resumeRunId: error.resumeRunId,
    }));
    if (!dismissed) {
      for (const [field, text] of Object.entries(problems)) {
        if (text) all.push({ key: `f-${field}`, text });
      }
    }
    return all;
  }, [errors, problems, dismissed]);

  if (messages.length === 0) return null;
  return (
    <div className="alert" role="alert" data-testid="error-message">
      <ul className="alert-list">
        {messages.map((message) => (
          <li key={message.key}>
            {message.text}
            {message.resumeRunId && (
              <>
                {' '}
                <button
                  type="button"
                  className="button"
                  data-testid="error-resume"
                  disabled={!canResume}
                  onClick={() => void savedRuns.resumeRun(message.resumeRunId!)}
                  title="Continue the run from its last saved checkpoint."
                >
                  Resume from the last checkpoint
                </button>
              </>
            )}
          </li>
        ))}
      </ul>
      <button
        type="button"
        className="close"
        aria-label="Dismiss these messages"
        onClick={actions.dismissErrors}
      >
        ×
      </button>
    </div>
  );
}
