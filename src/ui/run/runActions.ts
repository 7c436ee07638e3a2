/**
 * What the user can do on the page, as plain functions over the store and the worker client.
 * Components call these; none of them posts to the worker or touches the URL itself.
 */
import { configToSearch, type BackendChoice } from '../../core/config';
import type { PresetName } from '../../core/presets';
import {
  chooseBackend,
  choosePreset,
  editField,
  isFormValid,
  type ConfigForm,
  type FieldKey,
} from './configForm';
import {
  errorsDismissed,
  isRunActive,
  noticeDismissed,
  requestSent,
  type GridInfo,
  type LabState,
} from '../shared/labState';
import type { LabStore } from '../shared/labStore';
import type { WorkerClient } from './workerClient';

export interface LabActions {
  train(): void;
  pause(): void;
  resume(): void;
  stop(): void;
  /** Space: Train when idle, Pause while running, Resume while paused. */
  toggle(): void;
  editField(key: FieldKey, text: string): void;
  choosePreset(preset: PresetName): void;
  chooseBackend(backend: BackendChoice): void;
  dismissErrors(): void;
  dismissNotice(id: number): void;
  /** The live grid has drawn `grid`; the worker may send the next one. Once per grid. */
  gridDrawn(grid: GridInfo): void;
}

export interface LabEnvironment {
  /** Replaces the page's query string without a navigation. */
  replaceSearch(search: string): void;
  newRunId(): string;
}

export const browserEnvironment: LabEnvironment = {
  replaceSearch: (search) => history.replaceState(null, '', search),
  newRunId: () => crypto.randomUUID(),
};

export function canTrain(state: LabState): boolean {
  return (
    !isRunActive(state.run) && isFormValid(state.form) && state.worker.status !== 'starting'
  );
}

export function createLabActions(
  store: LabStore,
  client: WorkerClient,
  environment: LabEnvironment = browserEnvironment,
): LabActions {
  function updateForm(update: (form: ConfigForm) => ConfigForm): ConfigForm | null {
    if (isRunActive(store.getState().run)) return null;
    store.setState(
      (state) => ({ ...state, form: update(state.form), fieldProblemsDismissed: false }),
      { urgent: true },
    );
    const form = store.getState().form;
    // Only a valid config goes into the link, so a shared link always reproduces a run.
    if (isFormValid(form)) environment.replaceSearch(configToSearch(form.config));
    return form;
  }

  let lastAckedGrid = 0;

  function runCommand(type: 'pause' | 'resume' | 'stop'): void {
    const run = store.getState().run;
    if (!run || !isRunActive(run)) return;
    store.setState((state) => requestSent(state, type), { urgent: true });
    client.send({ type, runId: run.runId });
  }

  const actions: LabActions = {
    train() {
      const state = store.getState();
      if (!canTrain(state)) return;
      const runId = environment.newRunId();
      store.beginRun(runId);
      client.send({
        type: 'start',
        runId,
        config: state.form.config,
        keepFullStates: state.history.keepFullStates,
      });
    },
    pause: () => runCommand('pause'),
    resume: () => runCommand('resume'),
    stop: () => runCommand('stop'),
    toggle() {
      const run = store.getState().run;
      if (!run || !isRunActive(run)) actions.train();
      else if (run.status === 'paused') actions.resume();
      else if (run.status === 'running') actions.pause();
    },
    editField(key, text) {
      updateForm((form) => editField(form, key, text));
    },
    choosePreset(preset) {
      updateForm((form) => choosePreset(form, preset));
    },
    chooseBackend(backend) {
      const form = updateForm((current) => chooseBackend(current, backend));
      if (form) client.init(backend);
    },
    dismissErrors() {
      store.setState(errorsDismissed, { urgent: true });
    },
    dismissNotice(id) {
      store.setState((state) => noticeDismissed(state, id), { urgent: true });
    },
    gridDrawn(grid) {
      // Effects can run twice for one grid (StrictMode, remounts); the worker expects one ack.
      if (grid.version <= lastAckedGrid) return;
      lastAckedGrid = grid.version;
      const run = store.getState().run;
      if (run && isRunActive(run) && run.runId === grid.runId) {
        client.send({ type: 'grid-ack', runId: grid.runId });
      }
    },
  };
  return actions;
}
