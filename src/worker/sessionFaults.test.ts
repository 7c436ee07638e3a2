/**
 * Faults the session survives: another tab holding the run's lock, a NaN loss (the run pauses
 * and no broken state is ever saved), and a lost WebGL context (the run goes on with the next
 * backend from its last resume point).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeEach, describe, expect, it } from 'vitest';
import { decodeSnapshot } from '../core/checkpointCodec';
import type { BackendName } from '../core/config';
import { parseConfig } from '../core/config';
import { nonFinitePart } from '../core/finiteSnapshot';
import { RunRepository } from '../storage/runRepository';
import { openLabStores } from '../storage/storeNames';
import type { BackendWatch } from './faults';
import type { WorkerEnvironment } from './session';
import { sessionHarness } from '../testing/sessionHarness';

function harness(repo: RunRepository, overrides: Partial<WorkerEnvironment> = {}) {
  return sessionHarness({ storage: repo, ...overrides });
}

const config = (extra: Record<string, number | string>) =>
  parseConfig({ backend: 'cpu', epochs: 3, stepsPerEpoch: 1, batchSize: 2, logEvery: 1, checkpointEvery: 1, seed: 3, ...extra }).config;

let repo: RunRepository;
beforeEach(async () => {
  repo = new RunRepository(openLabStores());
  for (const run of await repo.listRuns()) await repo.deleteRun(run.id);
});

describe('training session faults', () => {
  it('does not train a run whose lock another tab holds, and touches none of its data', async () => {
    const first = harness(repo);
    await first.send({ type: 'start', runId: 'b1', config: config({ epochs: 1 }) });
    const before = await repo.requireRun('b1');
    const h = harness(repo, { lockRun: async () => null });
    await h.send({ type: 'resume-run', runId: 'b1', epochs: 3 });
    expect(h.of('error')).toEqual([expect.objectContaining({ code: 'busy', runId: 'b1' })]);
    expect(h.of('error')[0].message).toMatch(/training in another tab.*read-only/);
    expect(h.of('started')).toEqual([]);
    expect(h.events.at(-1)).toMatchObject({ type: 'stopped', reason: 'error' });
    expect(await repo.requireRun('b1')).toEqual(before);
  });

  it('holds the lock while training and releases it at the end', async () => {
    const log: string[] = [];
    const h = harness(repo, {
      lockRun: async (runId) => {
        log.push(`lock ${runId}`);
        return { release: () => log.push(`release ${runId}`) };
      },
    });
    h.on((event) => {
      if (event.type === 'started') log.push('started');
      if (event.type === 'stopped') log.push('stopped');
    });
    await h.send({ type: 'start', runId: 'l1', config: config({ epochs: 1 }) });
    expect(log).toEqual(['lock l1', 'started', 'release l1', 'stopped']);
  });

  it('pauses on a NaN loss, never saves a broken state, and resumes from the last good one', async () => {
    const absurd = config({ lr: 1e6, epochs: 20 });
    const h = harness(repo);
    await h.send({ type: 'start', runId: 'n1', config: absurd });
    const [error] = h.of('error');
    expect(error.code).toBe('non-finite');
    expect(error.message).toMatch(/paused/i);
    expect(error.message).toMatch(/NaN|Infinity/);
    expect(h.events.at(-1)).toMatchObject({ type: 'stopped', reason: 'error' });
    const run = await repo.requireRun('n1');
    expect(run.status).toBe('paused');
    expect(run.latest).not.toBeNull();
    const saved = run.latest!.step;
    expect(error.message).toContain(`step ${saved}`);
    expect(run.epochs.map((e) => e.epoch)).toEqual(Array.from({ length: saved }, (_, i) => i + 1));
    const state = decodeSnapshot((await repo.getLatestState('n1')).state);
    expect(nonFinitePart(state)).toBeNull();

    const again = harness(repo);
    await again.send({ type: 'resume-run', runId: 'n1' });
    expect(again.of('started')[0].startStep).toBe(saved);
    expect(again.of('error')[0].code).toBe('non-finite');
    expect((await repo.requireRun('n1')).latest!.step).toBe(saved);
  });

  it('goes on with the next backend from the last resume point when the WebGL context is lost', async () => {
    let lost = false;
    let announce: (reason: string) => void = () => undefined;
    const whenLost = new Promise<string>((resolve) => {
      announce = resolve;
    });
    const selected: string[] = [];
    const h = harness(repo, {
      probeBackends: () => ({ available: ['webgl', 'wasm', 'cpu'] as BackendName[] }),
      selectBackend: async (choice, info) => {
        const name = choice === 'auto' ? info.available[0] : choice;
        selected.push(name);
        await tf.setBackend('cpu');
        return { backend: name as BackendName, detail: 'test' };
      },
      watchBackend: (name): BackendWatch | null =>
        name === 'webgl'
          ? { lost: () => (lost ? 'The WebGL context was lost' : null), whenLost, dispose() {} }
          : null,
    });
    h.on((event) => {
      // Lost just after epoch 1 is saved: the step running then is thrown away.
      if (event.type === 'checkpoint-saved' && event.epoch === 1) {
        lost = true;
        announce('The WebGL context was lost');
      }
    });
    await h.send({ type: 'start', runId: 'g1', config: config({ backend: 'webgl' }) });
    expect(selected).toEqual(['webgl', 'wasm']);
    expect(h.of('notice').map((n) => n.message)).toEqual([
      expect.stringMatching(/WebGL context was lost\. Training on webgl stopped cleanly and goes on with wasm from its last resume point \(step 1/),
    ]);
    expect(h.of('started').map((s) => [s.backend, s.startStep])).toEqual([
      ['webgl', 0],
      ['wasm', 1],
    ]);
    expect(h.of('error')).toEqual([]);
    expect(h.events.at(-1)).toMatchObject({ type: 'stopped', reason: 'completed', step: 3 });
    const run = await repo.requireRun('g1');
    expect(run.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(run.backend).toBe('wasm');
  });

  it.each([
    ['before anything was saved', 'started'],
    ['after epoch 1 was saved', 'checkpoint-saved'],
  ])('keeps every choice of the run when it falls back %s', async (_, lostOn) => {
    let lost = false;
    let announce: (reason: string) => void = () => undefined;
    const whenLost = new Promise<string>((resolve) => {
      announce = resolve;
    });
    const h = harness(repo, {
      probeBackends: () => ({ available: ['webgl', 'wasm', 'cpu'] as BackendName[] }),
      selectBackend: async (choice, info) => {
        await tf.setBackend('cpu');
        return { backend: (choice === 'auto' ? info.available[0] : choice) as BackendName, detail: 'test' };
      },
      watchBackend: (name): BackendWatch | null =>
        name === 'webgl' ? { lost: () => (lost ? 'The WebGL context was lost' : null), whenLost, dispose() {} } : null,
    });
    h.on((event) => {
      if (event.type === lostOn && !lost) {
        lost = true;
        announce('The WebGL context was lost');
      }
    });
    const chosen = config({ backend: 'webgl', seed: 11 });
    await h.send({ type: 'start', runId: 'k1', config: chosen, keepFullStates: true });
    expect(h.of('started').map((s) => s.backend)).toEqual(['webgl', 'wasm']);
    expect(h.of('error')).toEqual([]);
    const run = await repo.requireRun('k1');
    expect(run.keepFullStates).toBe(true);
    expect(run.config).toEqual({ ...chosen, backend: 'wasm' });
    // Every epoch is a checkpoint here (checkpointEvery 1), so each keeps its full state.
    expect(run.epochs.map((e) => [e.epoch, e.hasFullState])).toEqual([
      [1, true],
      [2, true],
      [3, true],
    ]);
  });
});
