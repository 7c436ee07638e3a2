import { describe, expect, it } from 'vitest';
import type { WorkerEvent } from '../../worker/protocol';
import { createTestLab, manualFrames } from '../../testing/testLab';

function setup(search = '?backend=cpu&epochs=2&stepsPerEpoch=2') {
  const { lab, store, workers, worker } = createTestLab(search);
  const actions = lab.run;
  lab.client.init(store.getState().form.config.backend);
  const ready = () =>
    worker().emit({ type: 'ready', requestId: 1, backend: 'cpu', backendDetail: 'test', available: ['wasm', 'cpu'] });
  return { lab, store, actions, workers, worker, ready };
}

describe('worker client', () => {
  it('turns a worker error into a visible crash and starts a fresh worker on Train', () => {
    const { store, actions, workers, worker, ready } = setup();
    ready();
    actions.train();
    const crashed = worker();
    crashed.dispatchEvent(
      Object.assign(new Event('error'), { message: 'boom', filename: 'w.js', lineno: 3 }),
    );
    const state = store.getState();
    expect(crashed.terminated).toBe(true);
    expect(state.run?.status).toBe('stopped');
    expect(state.messages.errors.at(-1)?.message).toMatch(/^The training worker crashed: boom \(w\.js:3\)/);

    actions.train();
    expect(workers).toHaveLength(2);
    expect(worker().posted.map((command) => command.type)).toEqual(['init', 'start']);
    expect(store.getState().messages.errors).toEqual([]);
  });

  it('reports unreadable messages', () => {
    const { store, worker } = setup();
    worker().dispatchEvent(new Event('messageerror'));
    expect(store.getState().messages.errors.at(-1)?.message).toMatch(/could not be read/);
  });

  it('takes only the answer to the latest init and shows its notice', () => {
    const frames = manualFrames();
    const { lab, store, worker } = createTestLab('?backend=webgpu', { schedule: frames.schedule });
    lab.client.init('webgpu');
    lab.client.init('webgpu');
    worker().emit({ type: 'ready', requestId: 1, backend: 'cpu', backendDetail: 'test', available: ['cpu'] });
    frames.runFrame();
    expect(store.getSnapshot().worker.status).toBe('starting');

    worker().emit({
      type: 'ready',
      requestId: 2,
      backend: 'webgl',
      backendDetail: 'test',
      available: ['webgl', 'wasm', 'cpu'],
      notice: 'webgpu failed: no adapter; running on webgl',
    });
    frames.runFrame();
    const state = store.getSnapshot();
    expect(state.worker).toMatchObject({ status: 'ready', backend: 'webgl' });
    // webgpu is not offered here, so the choice follows the backend that took over.
    expect(state.form.config.backend).toBe('webgl');
    expect(state.messages.notices.map((notice) => notice.message)).toEqual([
      'webgpu failed: no adapter; running on webgl',
    ]);
  });

  it('hands a reply and a request’s error to that request alone; other errors go to the alert', () => {
    const { lab, store, worker, ready } = setup();
    ready();
    const replies: WorkerEvent[] = [];
    const errors: string[] = [];
    const handlers = { onReply: (reply: WorkerEvent) => replies.push(reply), onError: (e: { message: string }) => errors.push(e.message) };
    const first = lab.client.request({ type: 'import-generator', files: [] }, handlers);
    const second = lab.client.request({ type: 'import-generator', files: [] }, handlers);
    const facts = { preset: null, epoch: null, step: null, seed: null, metrics: {} };
    worker().emit({ type: 'generator-imported', requestId: first, importId: 'i1', name: 'g.zip', facts });
    worker().emit({ type: 'error', requestId: second, code: 'import', message: 'Not a zip.' });
    // Answered requests are done: a second answer to either goes nowhere.
    worker().emit({ type: 'generator-imported', requestId: first, importId: 'i2', name: 'g.zip', facts });
    expect(replies.map((r) => r.type === 'generator-imported' && r.importId)).toEqual(['i1']);
    expect(errors).toEqual(['Not a zip.']);
    expect(store.getState().messages.errors).toEqual([]);

    worker().emit({ type: 'error', code: 'data', message: 'MNIST did not load.' });
    expect(store.getState().messages.errors.map((e) => e.message)).toEqual(['MNIST did not load.']);
  });

  it('tells the senders of unanswered requests when the worker crashes', async () => {
    const { lab, worker, ready } = setup();
    ready();
    let lost = 0;
    lab.client.request({ type: 'import-generator', files: [] }, { onReply() {}, onError() {}, onLost: () => (lost += 1) });
    worker().dispatchEvent(new Event('messageerror'));
    await Promise.resolve();
    expect(lost).toBe(1);
  });
});
