import { useState } from 'react';
import type { RunRecord } from '../../storage/records';
import { useLab } from '../shared/useLab';

/** A run's note under its name, and a Rename button that edits both in place. */
export function RunNameEditor({ run }: { run: RunRecord }) {
  const { compare } = useLab();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(run.name);
  const [note, setNote] = useState(run.note ?? '');

  if (!editing) {
    return (
      <>
        {run.note && (
          <div className="run-note small" data-testid="run-note">
            {run.note}
          </div>
        )}
        <button
          type="button"
          className="link-button small"
          data-testid="run-rename"
          onClick={() => {
            setName(run.name);
            setNote(run.note ?? '');
            setEditing(true);
          }}
          title="Rename this run and write a note about it."
        >
          Rename / note
        </button>
      </>
    );
  }
  const save = async () => {
    if (await compare.rename(run.id, name, note)) setEditing(false);
  };
  return (
    <form
      className="run-name-editor"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
      onKeyDown={(event) => event.key === 'Escape' && setEditing(false)}
    >
      <label className="field">
        <span className="field-label">Name</span>
        <input className="input" data-testid="run-name-input" value={name} required maxLength={120} onChange={(event) => setName(event.target.value)} autoFocus />
      </label>
      <label className="field">
        <span className="field-label">Note</span>
        <textarea className="input" data-testid="run-note-input" value={note} rows={2} maxLength={2000} onChange={(event) => setNote(event.target.value)} />
      </label>
      <span className="run-name-actions">
        <button type="submit" className="button" data-testid="run-rename-save" disabled={!name.trim()}>
          Save
        </button>
        <button type="button" className="button" onClick={() => setEditing(false)}>
          Cancel
        </button>
      </span>
    </form>
  );
}
