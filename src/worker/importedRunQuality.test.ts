/**
 * An imported run's generators are measured after the import's reply, as a trained run's
 * checkpoints are: each epoch's metrics are saved in its record and `run-measured` says so.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLASSIFIER_MODEL_JSON, CLASSIFIER_WEIGHTS, classifierFromFiles, loadClassifier } from '../core/metrics/classifier';
import { RunRepository } from '../storage/runRepository';
import { openLabStores } from '../storage/storeNames';
import { SMALL_GENERATOR, kerasH5File, randomWeights } from '../testing/kerasH5Oracle';
import { sessionHarness } from '../testing/sessionHarness';
import { syntheticSplit } from '../testing/syntheticMnist';

const CLASSIFIER_DIR = join(__dirname, '../../public/classifier');
async function h5File(seed: number, name: string): Promise<File> {
  return kerasH5File(randomWeights(SMALL_GENERATOR, seed), name);
}

describe("an imported run's quality", () => {
  it('is measured epoch by epoch after the reply and saved in each epoch, as at a trained run\'s checkpoints', async () => {
    const repo = new RunRepository(openLabStores());
    let classifierLoads = 0;
    const h = sessionHarness({
      storage: repo,
      loadData: async () => ({ train: syntheticSplit(100, 1), test: syntheticSplit(100, 2) }),
      loadClassifier: () => {
        classifierLoads += 1;
        return loadClassifier(
          classifierFromFiles(readFileSync(join(CLASSIFIER_DIR, CLASSIFIER_MODEL_JSON), 'utf8'), new Uint8Array(readFileSync(join(CLASSIFIER_DIR, CLASSIFIER_WEIGHTS)))),
        );
      },
    });
    await h.send({ type: 'import-generator', requestId: 1, files: [await h5File(1, 'gan_generator_epoch_20.h5'), await h5File(2, 'gan_generator_epoch_40.h5')] });
    const reply = h.events.find((e) => e.type === 'run-imported');
    if (reply?.type !== 'run-imported') throw new Error(`no run-imported: ${JSON.stringify(h.of('error'))}`);
    const { runId } = reply.run;
    // The reply first (the run is listed at once), then the measurements.
    const replyAt = h.events.indexOf(reply);
    const measured = h.of('run-measured');
    expect(measured).toEqual([
      { type: 'run-measured', runId, epoch: 20 },
      { type: 'run-measured', runId, epoch: 40 },
    ]);
    expect(h.events.indexOf(measured[0])).toBeGreaterThan(replyAt);
    expect(classifierLoads).toBe(1);
    expect(h.of('notice').map((n) => n.message).join('\n')).toMatch(/Measuring the quality of the 2 imported generators/);

    const run = await repo.requireRun(runId);
    const [first, second] = run.epochs.map((e) => e.metrics!);
    for (const metrics of [first, second]) {
      expect(Number.isFinite(metrics.fd)).toBe(true);
      expect(metrics.score).toBeGreaterThanOrEqual(1);
      expect(metrics.n).toBe(100);
      expect(metrics.c2st).toBeGreaterThanOrEqual(0);
      expect(metrics.c2stN).toBe(50);
    }
    // Two different generators, two different verdicts.
    expect(first.fd).not.toBe(second.fd);
  }, 120_000);
});
