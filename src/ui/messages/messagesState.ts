/**
 * What the page tells the user outside the panels: errors (bad settings in the link, a run's
 * worker errors, a crash) and notices. Run-wide errors, notices and crashes arrive here as
 * events; a request's own error is shown by the feature that sent it, through `withError`.
 */
import type { ErrorCode } from '../../worker/protocol';
import type { ConfigForm } from '../run/configForm';
import type { Slice } from '../shared/labEvents';

export interface PageError {
  id: number;
  /** `url`: the shared link had bad settings; `run`: the worker reported; `worker`: it crashed. */
  source: 'url' | 'run' | 'worker';
  code?: ErrorCode;
  message: string;
  /** A saved run this error stopped, which Resume can continue from its last checkpoint. */
  resumeRunId?: string;
}

export interface Notice {
  id: number;
  message: string;
}

export interface MessagesState {
  errors: PageError[];
  notices: Notice[];
  nextId: number;
  /**
   * The settings form's problems when the user closed the alert: they stay hidden until they
   * change (the next edit), then show again.
   */
  hiddenFieldProblems: ConfigForm['problems'] | null;
}

const MAX_NOTICES = 3;

export const messagesSlice: Slice<MessagesState> = {
  initial(parsed) {
    const errors: PageError[] = parsed.problems.map((problem, index) => ({
      id: index + 1,
      source: 'url',
      code: 'config',
      message: problem.message,
    }));
    return { errors, notices: [], nextId: errors.length + 1, hiddenFieldProblems: null };
  },
  on: {
    // A new run starts with a clean slate, except for problems in the link.
    'run-begun': (messages) => ({
      ...messages,
      errors: messages.errors.filter((error) => error.source === 'url'),
      notices: [],
    }),
    notice(messages, event, { runId }) {
      if (event.runId !== undefined && event.runId !== runId) return messages;
      return withNotice(messages, event.message);
    },
    error(messages, event, { runId }) {
      if (event.runId !== undefined && event.runId !== runId) return messages;
      // A NaN loss pauses the run: its last good checkpoint is where Resume continues.
      const resumeRunId = event.code === 'non-finite' ? event.runId : undefined;
      return withError(messages, { source: 'run', code: event.code, message: event.message, resumeRunId });
    },
    'run-imported'(messages, { run }) {
      const skipped = run.skipped.length > 0 ? ` Skipped (not generators): ${run.skipped.join(', ')}.` : '';
      const epochs = run.epochs.length === 1 ? `epoch ${run.epochs[0]}` : `epochs ${run.epochs.join(', ')}`;
      return withNotice(messages, `Imported ${run.epochs.length} Keras generator${run.epochs.length === 1 ? '' : 's'} as the saved run "${run.name}" (${epochs}).${skipped}`);
    },
    'worker-crashed'(messages, { detail }, { runId, runActive }) {
      const resumeRunId = runActive && runId !== null ? runId : undefined;
      const offer = resumeRunId ? ' Resume continues the run from its last checkpoint.' : '';
      return withError(messages, {
        source: 'worker',
        message: `The training worker crashed: ${detail}${offer}`,
        resumeRunId,
      });
    },
  },
};

export function withError(messages: MessagesState, error: Omit<PageError, 'id'>): MessagesState {
  return {
    ...messages,
    errors: [...messages.errors, { ...error, id: messages.nextId }],
    nextId: messages.nextId + 1,
  };
}

/** Adds a notice unless the same one is showing; the oldest go when there are too many. */
export function withNotice(messages: MessagesState, message: string): MessagesState {
  if (messages.notices.some((notice) => notice.message === message)) return messages;
  const notices = [...messages.notices, { id: messages.nextId, message }].slice(-MAX_NOTICES);
  return { ...messages, notices, nextId: messages.nextId + 1 };
}

/** The user closed the alert: errors go, and so do the form's current problems. */
export function errorsDismissed(messages: MessagesState, fieldProblems: ConfigForm['problems']): MessagesState {
  return { ...messages, errors: [], hiddenFieldProblems: fieldProblems };
}

export function noticeDismissed(messages: MessagesState, id: number): MessagesState {
  return { ...messages, notices: messages.notices.filter((notice) => notice.id !== id) };
}
