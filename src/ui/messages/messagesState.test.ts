import { describe, expect, it } from 'vitest';
import { beginRun, createTestLab, manualFrames } from '../../testing/testLab';

function setup(search = '') {
  const frames = manualFrames();
  const { lab, store } = createTestLab(search, { schedule: frames.schedule });
  return { lab, store, runFrame: frames.runFrame };
}

describe('messages', () => {
  it('shows every URL problem as an error', () => {
    const { store } = setup('?epochs=abc&colour=red');
    const messages = store.getSnapshot().messages.errors.map((error) => error.message);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/epochs must be a number/);
    expect(messages[1]).toMatch(/Unknown setting "colour"/);
  });

  it('shows worker errors, and a new run clears them but not URL problems', () => {
    const { store, runFrame } = setup('?epochs=x');
    beginRun(store, 'r1');
    store.dispatch({ type: 'error', runId: 'r1', code: 'data', message: 'MNIST did not load.' });
    runFrame();
    expect(store.getSnapshot().messages.errors.map((e) => e.message)).toHaveLength(2);
    beginRun(store, 'r2');
    expect(store.getSnapshot().messages.errors.map((e) => e.source)).toEqual(['url']);
  });

  it('stops the run when the worker crashes', () => {
    const { store } = setup();
    beginRun(store, 'r1');
    store.dispatch({ type: 'worker-crashed', detail: 'out of memory' }, { urgent: true });
    const state = store.getSnapshot();
    expect(state.run).toMatchObject({ status: 'stopped', stopReason: 'error' });
    expect(state.worker.status).toBe('crashed');
    expect(state.messages.errors.at(-1)).toMatchObject({
      message: 'The training worker crashed: out of memory Resume continues the run from its last checkpoint.',
      resumeRunId: 'r1',
    });
  });

  it('offers to resume a run a NaN loss paused, and not one another tab trains', () => {
    const { store } = setup();
    beginRun(store, 'r1');
    store.dispatch({ type: 'error', runId: 'r1', code: 'non-finite', message: 'Training paused by itself at step 3.' });
    store.dispatch({ type: 'error', runId: 'r1', code: 'busy', message: 'This run is training in another tab.' });
    const errors = store.getState().messages.errors;
    expect(errors.map((e) => e.resumeRunId)).toEqual(['r1', undefined]);
  });

  it('hides the settings’ problems after Dismiss until they change', () => {
    const { lab, store } = setup();
    lab.run.editField('epochs', 'x');
    const hidden = () => store.getState().messages.hiddenFieldProblems === store.getState().form.problems;
    expect(hidden()).toBe(false);
    lab.messages.dismissErrors();
    expect(hidden()).toBe(true);
    lab.run.editField('epochs', 'y');
    expect(hidden()).toBe(false);
  });
});
