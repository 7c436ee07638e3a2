/**
 * Reads the lab's IndexedDB from a page, the way the app stores it (idb-keyval: one database
 * per concern, keys [runId, n]), to check what a run left behind.
 */
import type { Page } from 'playwright-core';

export interface StoredRun {
  id: string;
  status: string;
  epochs: number[];
  latestStep: number | null;
  generatorEpochs: number[];
  /** Keys present in each part store for this run. */
  grids: number[];
  generators: number[];
  states: number[];
  stateBytes: number[];
}

export async function readStoredRuns(page: Page): Promise<StoredRun[]> {
  return page.evaluate(async () => {
    const open = (name: string) =>
      new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    const all = async (db: string, store: string) => {
      const database = await open(`mnist-gan-lab-${db}`);
      if (!database.objectStoreNames.contains(store)) return { keys: [] as IDBValidKey[], values: [] as unknown[] };
      const tx = database.transaction(store, 'readonly');
      const os = tx.objectStore(store);
      const get = <T,>(request: IDBRequest<T>) =>
        new Promise<T>((resolve, reject) => {
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
      const [keys, values] = await Promise.all([get(os.getAllKeys()), get(os.getAll())]);
      database.close();
      return { keys, values };
    };
    const runs = (await all('runs', 'runs')).values as {
      id: string;
      status: string;
      epochs: { epoch: number; hasGenerator: boolean }[];
      latest: { step: number } | null;
    }[];
    const parts = {
      grids: await all('grids', 'grids'),
      generators: await all('generators', 'generators'),
      states: await all('states', 'states'),
    };
    const own = (part: { keys: IDBValidKey[] }, id: string) =>
      part.keys.filter((key) => Array.isArray(key) && key[0] === id).map((key) => (key as [string, number])[1]);
    return runs.map((run) => ({
      id: run.id,
      status: run.status,
      epochs: run.epochs.map((e) => e.epoch),
      latestStep: run.latest?.step ?? null,
      generatorEpochs: run.epochs.filter((e) => e.hasGenerator).map((e) => e.epoch),
      grids: own(parts.grids, run.id),
      generators: own(parts.generators, run.id),
      states: own(parts.states, run.id),
      stateBytes: parts.states.keys
        .map((key, i) => [key, parts.states.values[i]] as const)
        .filter(([key]) => Array.isArray(key) && key[0] === run.id)
        .map(([, value]) => (value as ArrayBuffer).byteLength),
    }));
  });
}

/** Waits for `predicate` (a JS expression evaluated in the page), failing with `what`. */
export async function waitUntil(page: Page, what: string, predicate: string, timeoutMs = 60_000): Promise<void> {
  try {
    await page.waitForFunction(predicate, null, { timeout: timeoutMs, polling: 200 });
  } catch (error) {
    const shown = await page
      .evaluate(() =>
        ['status-step', 'status-backend', 'error-message', 'notice']
          .map((id) => `${id}: ${Array.from(document.querySelectorAll(`[data-testid="${id}"]`), (e) => e.textContent).join(' | ')}`)
          .join('\n  '),
      )
      .catch(() => '(page gone)');
    throw new Error(`Timed out waiting for ${what}.\n  ${shown}`, { cause: error });
  }
}

export const rowSelector = '[data-testid="run-row"]';
