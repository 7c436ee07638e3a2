/**
 * Long finished runs written straight into the lab's storage, so that what is measured with them
 * (the comparison drawing six runs of the seed preset's length) does not first take hours of
 * training: each run has 200 epochs of 128 steps, a loss point logged every 8 steps (3,200 per
 * run, as the seed preset logs), FD and score at every checkpoint, and grids at epochs 100 and 200.
 * The curves are a slow wave with noise and an occasional spike, the same for every bench run.
 */
import type { Page } from 'playwright-core';
import { parseConfigFromSearch } from '../src/core/config';
import { STORE_NAMES } from '../src/storage/storeNames';

export const LONG_RUN_EPOCHS = 200;
export const LONG_RUN_STEPS_PER_EPOCH = 128;
export const LONG_RUN_LOG_EVERY = 8;
/** The epochs whose grids are written. */
export const LONG_RUN_GRID_EPOCHS = [100, 200];

/** Writes `count` long runs (ids `long-0`, `long-1`, …) into the storage of the page's origin; returns their ids. */
export async function writeLongRuns(page: Page, count: number): Promise<string[]> {
  const configs = Array.from(
    { length: count },
    (_, i) => parseConfigFromSearch(`?preset=seed&backend=wasm&lr=${(2e-4 * (1 + i / 2)).toPrecision(3)}`).config,
  );
  const shape = {
    epochs: LONG_RUN_EPOCHS,
    stepsPerEpoch: LONG_RUN_STEPS_PER_EPOCH,
    logEvery: LONG_RUN_LOG_EVERY,
    gridEpochs: LONG_RUN_GRID_EPOCHS,
    stores: { runs: STORE_NAMES.runs, losses: STORE_NAMES.losses, grids: STORE_NAMES.grids },
  };
  return page.evaluate(
    async ({ configs, shape }) => {
      const open = ([name, store]: readonly [string, string]) =>
        new Promise<IDBDatabase>((resolve, reject) => {
          const request = indexedDB.open(name);
          request.onupgradeneeded = () => request.result.createObjectStore(store);
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
      const putAll = async (names: readonly [string, string], entries: [IDBValidKey, unknown][]) => {
        const database = await open(names);
        await new Promise<void>((resolve, reject) => {
          const tx = database.transaction(names[1], 'readwrite');
          for (const [key, value] of entries) tx.objectStore(names[1]).put(value, key);
          tx.oncomplete = () => resolve();
          tx.onerror = () => reject(tx.error);
        });
        database.close();
      };
      const deflate = async (bytes: Uint8Array<ArrayBuffer>) =>
        new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer());
      // A small fixed-seed generator: the same curves on every bench run.
      let state = 12345;
      const random = () => {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        return state / 2 ** 32;
      };
      const pointsPerEpoch = shape.stepsPerEpoch / shape.logEvery;
      const ids: string[] = [];
      for (const [r, config] of configs.entries()) {
        const id = `long-${r}`;
        ids.push(id);
        const epochs = [];
        const losses: [IDBValidKey, unknown][] = [];
        const grids: [IDBValidKey, unknown][] = [];
        for (let epoch = 1; epoch <= shape.epochs; epoch++) {
          const chunk = new Float64Array(pointsPerEpoch * 5);
          for (let i = 0; i < pointsPerEpoch; i++) {
            const step = (epoch - 1) * shape.stepsPerEpoch + (i + 1) * shape.logEvery;
            const wave = Math.sin(step / 300 + r);
            const spike = random() < 0.002 ? 3 : 0;
            chunk.set([step, 1.2 + 0.2 * wave + random() * 0.1 + spike, 1 - 0.3 * wave + random() * 0.2, 0.6 + 0.1 * wave, 0.4 - 0.1 * wave], i * 5);
          }
          losses.push([[id, epoch], chunk]);
          const checkpoint = epoch === 1 || epoch % 20 === 0;
          epochs.push({
            epoch,
            step: epoch * shape.stepsPerEpoch,
            wallTimeMs: epoch * shape.stepsPerEpoch * (250 + 40 * r),
            savedAt: Date.now(),
            loss: { dLoss: 1.2, gLoss: 1, dReal: 0.6, dFake: 0.4, points: pointsPerEpoch },
            hasGenerator: checkpoint,
            hasFullState: false,
            ...(checkpoint
              ? { metrics: { fd: 200 / Math.sqrt(epoch) + 5 * r, score: Math.min(9.5, 2 + epoch / 30), n: 1000, c2st: 0.55 + 0.45 / Math.sqrt(epoch) + 0.01 * r, c2stFloor: 0.5 } }
              : {}),
            generatorBytes: 0,
            stateBytes: 0,
            bytes: 1,
          });
          if (shape.gridEpochs.includes(epoch)) {
            const pixels = new Uint8Array(100 * 784);
            for (let i = 0; i < pixels.length; i++) pixels[i] = (i * (7 + r) + epoch) % 256;
            grids.push([[id, epoch], { rows: 10, cols: 10, encoding: 'deflate', data: await deflate(pixels) }]);
          }
        }
        await putAll(shape.stores.losses, losses);
        await putAll(shape.stores.grids, grids);
        const savedAt = Date.now() - (r + 1) * 60_000;
        const record = {
          id,
          name: `long run ${r + 1}`,
          createdAt: savedAt,
          updatedAt: savedAt,
          config,
          status: 'completed',
          backend: 'wasm',
          keepFullStates: false,
          epochs,
          latest: null,
          lossThroughStep: shape.epochs * shape.stepsPerEpoch,
        };
        await putAll(shape.stores.runs, [[id, record]]);
      }
      return ids;
    },
    { configs, shape },
  );
}
