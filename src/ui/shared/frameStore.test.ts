import { describe, expect, it } from 'vitest';
import { createFrameStore, type FrameScheduler } from './frameStore';

function manualFrames() {
  const pending: Array<() => void> = [];
  const schedule: FrameScheduler = (callback) => {
    pending.push(callback);
    return () => {
      const index = pending.indexOf(callback);
      if (index !== -1) pending.splice(index, 1);
    };
  };
  const runFrame = () => pending.splice(0).forEach((callback) => callback());
  return { schedule, runFrame, pending };
}

describe('createFrameStore', () => {
  it('publishes a burst of updates once, on the next frame', () => {
    const frames = manualFrames();
    const store = createFrameStore({ count: 0 }, { schedule: frames.schedule });
    let notified = 0;
    store.subscribe(() => (notified += 1));

    for (let i = 0; i < 5; i += 1) store.setState((s) => ({ count: s.count + 1 }));

    expect(frames.pending).toHaveLength(1);
    expect(store.getState().count).toBe(5);
    expect(store.getSnapshot().count).toBe(0);
    expect(notified).toBe(0);

    frames.runFrame();
    expect(store.getSnapshot().count).toBe(5);
    expect(notified).toBe(1);
  });

  it('keeps the snapshot identity when nothing changed', () => {
    const frames = manualFrames();
    const store = createFrameStore({ count: 0 }, { schedule: frames.schedule });
    const before = store.getSnapshot();
    store.setState((s) => s);
    expect(frames.pending).toHaveLength(0);
    frames.runFrame();
    expect(store.getSnapshot()).toBe(before);
  });

  it('publishes urgent updates at once and cancels the pending frame', () => {
    const frames = manualFrames();
    const store = createFrameStore({ text: '', count: 0 }, { schedule: frames.schedule });
    let notified = 0;
    store.subscribe(() => (notified += 1));

    store.setState((s) => ({ ...s, count: 1 }));
    store.setState((s) => ({ ...s, text: 'a' }), { urgent: true });

    expect(store.getSnapshot()).toEqual({ text: 'a', count: 1 });
    expect(notified).toBe(1);
    expect(frames.pending).toHaveLength(0);
  });

  it('derives fields once per publish, not once per update', () => {
    const frames = manualFrames();
    let derivations = 0;
    const store = createFrameStore(
      { version: 0, derived: 0 },
      {
        schedule: frames.schedule,
        beforePublish(next) {
          derivations += 1;
          return { ...next, derived: next.version * 10 };
        },
      },
    );
    for (let i = 0; i < 3; i += 1) store.setState((s) => ({ ...s, version: s.version + 1 }));
    frames.runFrame();
    expect(derivations).toBe(1);
    expect(store.getSnapshot()).toEqual({ version: 3, derived: 30 });
  });

  it('stops notifying after unsubscribe', () => {
    const frames = manualFrames();
    const store = createFrameStore(0, { schedule: frames.schedule });
    let notified = 0;
    const unsubscribe = store.subscribe(() => (notified += 1));
    unsubscribe();
    store.setState((n) => n + 1, { urgent: true });
    expect(notified).toBe(0);
  });
});
