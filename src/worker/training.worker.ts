/// <reference lib="webworker" />
/**
 * The training worker's entry: binds messages to the session. Everything else lives in
 * session.ts (testable in Node), backends.ts and mnistLoader.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { loadClassifier } from '../core/metrics/classifier';
import { lockRun } from '../storage/runLocks';
import { RunRepository } from '../storage/runRepository';
import { probeBackends, selectBackend } from './backends';
import { indexedDbChoices } from './choiceStore';
import { timeSteps } from './backendTrial';
import { watchBackend } from './contextLoss';
import { DatasetRepository } from '../storage/datasetRepository';
import { loadMnist } from './mnistLoader';
import { decodePicture } from './pictureDecoder';
import type { Command } from './protocol';
import { TrainingSession } from './session';

declare const self: DedicatedWorkerGlobalScope;

/** A macrotask turn without setTimeout's 4 ms clamp, so queued commands get handled. */
const channel = new MessageChannel();
const waiting: (() => void)[] = [];
channel.port1.onmessage = () => waiting.shift()?.();
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(null);
  });
}

const baseUrl = new URL(import.meta.env.BASE_URL, self.location.origin).href;

const session = new TrainingSession(
  {
    probeBackends,
    selectBackend,
    loadData: (onProgress) => loadMnist(baseUrl, onProgress),
    now: () => performance.now(),
    yieldToEvents,
    // Weights are saved from here, where they are, rather than posted to the page (megabytes).
    storage: typeof indexedDB === 'undefined' ? undefined : new RunRepository(),
    datasets: typeof indexedDB === 'undefined' ? undefined : new DatasetRepository(),
    decodePicture,
    estimateStorage: async () => {
      const estimate = await navigator.storage?.estimate();
      return estimate ? { usage: estimate.usage ?? 0, quota: estimate.quota ?? 0 } : null;
    },
    lockRun: (runId) => lockRun(runId),
    watchBackend,
    timeSteps,
    backendChoices: indexedDbChoices(),
    // The evaluation classifier the app serves, for quality metrics at checkpoints.
    loadClassifier: () => loadClassifier(tf.io.browserHTTPRequest(new URL('classifier/model.json', baseUrl).href)),
  },
  (event, transfer) => self.postMessage(event, transfer ?? []),
);

// A rejection nobody handles is a fault the session missed: rethrown, it reaches the page as the
// worker's `error` event, which reports the crash and offers to resume.
self.addEventListener('unhandledrejection', (event) => {
  throw event.reason;
});

self.onmessage = (message: MessageEvent<Command>) => {
  void session.handleMessage(message.data);
};
