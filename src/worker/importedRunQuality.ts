/**
 * Quality of an imported run (a folder of Keras generators, kerasRunImport.ts), measured once
 * it is stored: each saved generator gets the metrics a trained run's checkpoints get (FD, score
 * and histogram by MNIST's classifier, the checkpoint C2ST), saved in its epoch's record, so the
 * imported epochs can be compared by the numbers as well as by eye. Its own tracker: a run
 * training meanwhile keeps its own.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../core/config';
import { decodeSnapshot, generatorTensors } from '../core/checkpointCodec';
import { describeError } from '../core/errors';
import { fixedNoiseDigits } from '../core/metrics/quality';
import { generatorForward } from '../core/sampling';
import type { WorkerEvent } from './protocol';
import { type ClassifierLoader, QualityTracker, metricsRecord } from './quality';
import type { HistoryStorage } from './runHistory';
import type { TrainingData } from './trainingData';

export interface ImportedRunQualityEnvironment {
  storage: Pick<HistoryStorage, 'requireRun' | 'getGenerator' | 'updateRun'>;
  loadClassifier: ClassifierLoader;
  /** MNIST, as the run's generators were trained on it. */
  loadData: () => Promise<TrainingData>;
  backend: BackendName;
  post: (event: Extract<WorkerEvent, { type: 'run-measured' | 'notice' }>) => void;
}

/**
 * Measures every saved generator of run `runId` in epoch order, saving each epoch's metrics and
 * posting `run-measured` after each. A failure ends the measuring with a notice; what was
 * measured stays.
 */
export async function measureImportedRun(runId: string, env: ImportedRunQualityEnvironment): Promise<void> {
  const notice = (message: string) => env.post({ type: 'notice', runId, message });
  let tracker: QualityTracker | null = null;
  try {
    const run = await env.storage.requireRun(runId);
    const epochs = run.epochs.filter((entry) => entry.hasGenerator);
    notice(`Measuring the quality of the ${epochs.length} imported generators (FD, score and the C2ST, as at a trained run's checkpoints)…`);
    tracker = await QualityTracker.open({ classifier: await env.loadClassifier() }, await env.loadData(), env.backend);
    for (const entry of epochs) {
      const { spec, params } = generatorTensors(decodeSnapshot(await env.storage.getGenerator(runId, entry.epoch)));
      let measured;
      try {
        measured = await tracker.measureDigits(
          (count) => fixedNoiseDigits((noise) => generatorForward(spec, params, noise), spec.inputSize, count),
          runId,
          entry.epoch,
          entry.step,
        );
      } finally {
        tf.dispose(params);
      }
      if (measured.c2stOff) notice(measured.c2stOff);
      const metrics = metricsRecord(measured.event);
      await env.storage.updateRun(runId, (record) => ({
        ...record,
        epochs: record.epochs.map((e) => (e.epoch === entry.epoch ? { ...e, metrics } : e)),
      }));
      env.post({ type: 'run-measured', runId, epoch: entry.epoch });
    }
  } catch (error) {
    notice(`The imported run's quality could not be measured (${describeError(error)}); its grids and generators are kept.`);
  } finally {
    tracker?.dispose();
  }
}
