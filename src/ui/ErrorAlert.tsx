import { useMemo } from 'react';
import { useLabActions, useLabState } from './useLab';

/** Present only while something is wrong: bad settings, a worker error or a crash. */
export function ErrorAlert() {
  const actions = useLabActions();
  const errors = useLabState((s) => s.errors);
  const problems = useLabState((s) => s.form.problems);
  const dismissed = useLabState((s) => s.fieldProblemsDismissed);

  const messages = useMemo(() => {
    const all = errors.map((error) => ({ key: `e${error.id}`, text: error.message }));
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
          <li key={message.key}>{message.text}</li>
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
