import { useLab, useLabState } from '../shared/useLab';
import './messages.css';

/** Things worth knowing that are not errors, such as a backend falling back to another. */
export function Notices() {
  const { messages: actions } = useLab();
  const notices = useLabState((s) => s.messages.notices);
  // The live region stays mounted so screen readers announce notices as they arrive.
  return (
    <div className="notices" role="status">
      {notices.map((notice) => (
        <div key={notice.id} className="notice" data-testid="notice">
          <span>{notice.message}</span>
          <button
            type="button"
            className="close"
            aria-label="Dismiss this notice"
            onClick={() => actions.dismissNotice(notice.id)}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
