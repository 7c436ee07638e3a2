/**
 * What the user can do with a run, as plain functions over the store and the worker client:
 * train, pause, resume, stop, edit the settings. Components call these; none of them posts to
 * the worker or touches the URL itself.
 */
import { configToSearch, type BackendChoice } from '../../core/config';
import { describeError, errorCode } from '../../core/errors';
import { checkLiveEdit } from '../../core/liveSettings';
import type { PresetName } from '../../core/presets';
import { withError } from '../messages/messagesState';
import type { LabState } from '../shared/labState';
import type { LabStore } from '../shared/labStore';
import {
  applyRecipe,
  applyRecipeText,
  chooseBackend,
  chooseDataset,
  choosePreset,
  editField,
  editRecipeText,
  isFormValid,
  type ConfigForm,
  type FieldKey,
} from './configForm';
import type { GridInfo } from './liveFeed';
import { isRunActive, requestSent } from './runState';
import type { WorkerClient } from './workerClient';

export interface RunActions {
  train(): void;
  pause(): void;
  resume(): void;
  stop(): void;
  /** Space: Train when idle, Pause while running, Resume while paused. */
  toggle(): void;
  editField(key: FieldKey, text: string): void;
  choosePreset(preset: PresetName): void;
  chooseBackend(backend: BackendChoice): void;
  /** What the next run trains on: `mnist` or an imported dataset's id. */
  chooseDataset(dataset: string): void;
  /** Typing in the recipe editor; `applyRecipeText` makes the text the run's recipe, if it checks. */
  editRecipeText(text: string): void;
  applyRecipeText(): void;
  /** A recipe from the form's knobs (already edited from the current one). */
  applyRecipe(recipe: unknown): void;
  /** The live grid has drawn `grid`; the worker may send the next one. Once per grid. */
  gridDrawn(grid: GridInfo): void;
  /** Forgets `auto`'s measured backend choices: the next Train with `auto` measures again. */
  remeasureBackends(): void;
  /**
   * Changes the learning rates or the decay of the run training or paused, from its next step
   * on. Empty fields keep their setting; a value that cannot be used is shown as an error and
   * nothing is sent.
   */
  applyLiveSettings(text: LiveSettingsText): void;
}

/** The live settings as typed in their form. */
export interface LiveSettingsText {
  gLr: string;
  dLr: string;
  averageDecay: string;
}

export interface RunEnvironment {
  /** Replaces the page's query string without a navigation. */
  replaceSearch(search: string): void;
  newRunId(): string;
}

export const browserRunEnvironment: RunEnvironment = {
  replaceSearch: (search) => history.replaceState(null, '', search),
  newRunId: () => crypto.randomUUID(),
};

export function canTrain(state: LabState): boolean {
  return !isRunActive(state.run) && isFormValid(state.form) && state.worker.status !== 'starting';
}

export function createRunActions(
  store: LabStore,
  client: WorkerClient,
  environment: RunEnvironment = browserRunEnvironment,
): RunActions {
  function updateForm(update: (form: ConfigForm) => ConfigForm): ConfigForm | null {
    if (isRunActive(store.getState().run)) return null;
    store.update('form', update, { urgent: true });
    const form = store.getState().form;
    // Only a valid config goes into the link, so a shared link always reproduces a run.
    if (isFormValid(form)) environment.replaceSearch(configToSearch(form.config));
    return form;
  }

  let lastAckedGrid = 0;

  function runCommand(type: 'pause' | 'resume' | 'stop'): void {
    const run = store.getState().run;
    if (!run || !isRunActive(run)) return;
    store.update('run', (current) => requestSent(current, type), { urgent: true });
    client.send({ type, runId: run.runId });
  }

  const actions: RunActions = {
    train() {
      const state = store.getState();
      if (!canTrain(state)) return;
      const runId = environment.newRunId();
      const { config } = state.form;
      store.dispatch({ type: 'run-begun', runId, config, step: 0, losses: [] }, { urgent: true });
      client.send({ type: 'start', runId, config, keepFullStates: state.history.keepFullStates });
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
    chooseDataset(dataset) {
      updateForm((form) => chooseDataset(form, dataset));
    },
    chooseBackend(backend) {
      const form = updateForm((current) => chooseBackend(current, backend));
      if (form) client.init(backend);
    },
    editRecipeText(text) {
      if (isRunActive(store.getState().run)) return;
      store.update('form', (form) => editRecipeText(form, text));
    },
    applyRecipeText() {
      updateForm(applyRecipeText);
    },
    applyRecipe(recipe) {
      updateForm((form) => applyRecipe(form, recipe));
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
    remeasureBackends() {
      client.send({ type: 'forget-backend-choices' });
    },
    applyLiveSettings(text) {
      const run = store.getState().run;
      if (!run || (run.status !== 'running' && run.status !== 'paused')) return;
      try {
        const settings = checkLiveEdit(liveEditOf(text), run.live);
        if (settings) client.send({ type: 'set-live', runId: run.runId, settings });
      } catch (error) {
        const problem = { source: 'run' as const, code: errorCode(error), message: describeError(error) };
        store.update('messages', (messages) => withError(messages, problem), { urgent: true });
      }
    },
  };
  return actions;
}

/** Typed numbers as numbers; text that is no number stays text, for checkLiveEdit to name. */
function liveEditOf(text: LiveSettingsText): Record<string, number | string> {
  const edit: Record<string, number | string> = {};
  for (const [field, typed] of Object.entries(text)) {
    const trimmed = typed.trim();
    if (trimmed === '') continue;
    const value = Number(trimmed);
    edit[field] = Number.isFinite(value) ? value : trimmed;
  }
  return edit;
}
