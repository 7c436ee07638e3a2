import { useEffect, useRef, useState } from 'react';
import { PRESETS } from '../../core/presets';
import { CONDITIONINGS, LOSSES, LR_SCHEDULES, type Recipe } from '../../core/recipe';
import { describeRecipe, recipeCost, secondsPerEpoch } from '../../core/recipeCost';
import { isRunActive } from '../run/runState';
import { formatDuration } from '../shared/units';
import { useLab, useLabState } from '../shared/useLab';
import { readDeviceSpeeds, recordDeviceSpeed, type DeviceSpeeds } from './deviceSpeed';
import './recipe.css';

const count = new Intl.NumberFormat('en-US');

/**
 * The run's recipe before Train: what it is (a preset, or custom and how), what it costs, the
 * common knobs, and the whole recipe as JSON to edit. A recipe that does not check is refused
 * with the field named; the form keeps the last one that did.
 */
export function RecipePanel() {
  const { run: actions } = useLab();
  const form = useLabState((s) => s.form);
  const run = useLabState((s) => s.run);
  const workerBackend = useLabState((s) => s.worker.backend);
  const locked = isRunActive(run);
  const speeds = useDeviceSpeeds();
  const { config } = form;
  const { recipe } = config;
  const cost = recipeCost(recipe);
  const summary = describeRecipe(config.preset, recipe);

  const backend = workerBackend ?? (config.backend === 'auto' ? null : config.backend);
  const speed = backend ? speeds[backend] : undefined;
  const estimate = speed
    ? `≈ ${formatDuration(secondsPerEpoch(cost, config.stepsPerEpoch, speed.flopsPerSecond))} per epoch on ${backend} ` +
      `(this device reached ${(speed.flopsPerSecond / 1e9).toFixed(1)} GFLOP/s training ${speed.measuredOn})`
    : `time per epoch: train a few steps${backend ? ` on ${backend}` : ''} once to measure this device`;

  return (
    <details className="recipe-panel" data-testid="recipe-panel">
      <summary>
        <span className="recipe-name" data-testid="recipe-summary">
          Recipe: {summary.text}
        </span>
        <span className="recipe-cost">
          <span data-testid="param-count">
            G {count.format(cost.generatorParameters)} · D {count.format(cost.discriminatorParameters)} parameters
          </span>
          {' · '}
          <span data-testid="recipe-flops">{(cost.flopsPerStep / 1e9).toFixed(2)} GFLOP per step</span>
          {' · '}
          <span data-testid="recipe-time">{estimate}</span>
        </span>
      </summary>
      <RecipeKnobs recipe={recipe} locked={locked} onApply={actions.applyRecipe} />
      <div className="recipe-editor">
        <label className="field-label" htmlFor="recipe-json">
          The whole recipe (JSON; every field is described in the README)
        </label>
        <textarea
          id="recipe-json"
          data-testid="recipe-json"
          className="recipe-json"
          spellCheck={false}
          rows={Math.min(28, form.recipeText.split('\n').length + 1)}
          value={form.recipeText}
          disabled={locked}
          aria-invalid={form.problems.recipe ? true : undefined}
          onChange={(event) => actions.editRecipeText(event.target.value)}
        />
        <div className="recipe-actions">
          <button type="button" className="button primary" data-testid="recipe-apply" disabled={locked} onClick={actions.applyRecipeText}>
            Apply recipe
          </button>
          <button
            type="button"
            className="button"
            data-testid="recipe-reset"
            disabled={locked || (!summary.custom && !form.problems.recipe)}
            onClick={() => actions.applyRecipe(PRESETS[config.preset].recipe)}
          >
            Back to the {config.preset} preset
          </button>
          {form.problems.recipe && (
            <span className="field-problem" data-testid="recipe-problem">
              {form.problems.recipe}
            </span>
          )}
        </div>
      </div>
    </details>
  );
}

/** The measured speeds, updated while a run trains (at most every ten seconds). */
function useDeviceSpeeds(): DeviceSpeeds {
  const [speeds, setSpeeds] = useState<DeviceSpeeds>(() => readDeviceSpeeds());
  const lastWrite = useRef(0);
  const run = useLabState((s) => s.run);
  useEffect(() => {
    if (!run || run.status !== 'running' || !run.backend || run.stepsPerSecond <= 0) return;
    const now = Date.now();
    if (now - lastWrite.current < 10_000) return;
    lastWrite.current = now;
    const flopsPerSecond = recipeCost(run.config.recipe).flopsPerStep * run.stepsPerSecond;
    const { text } = describeRecipe(run.config.preset, run.config.recipe);
    setSpeeds(recordDeviceSpeed(run.backend, { flopsPerSecond, measuredOn: text, at: now }));
  }, [run]);
  return speeds;
}

interface KnobsProps {
  recipe: Recipe;
  locked: boolean;
  onApply(recipe: unknown): void;
}

/** One of a recipe field's fixed choices. */
function ChoiceKnob<T extends string>(props: {
  label: string;
  testId: string;
  value: T;
  choices: readonly T[];
  locked: boolean;
  name?: (choice: T) => string;
  onChoose: (choice: T) => void;
}) {
  const { label, testId, value, choices, locked, name = (choice: T) => choice, onChoose } = props;
  return (
    <label className="field">
      <span className="field-label">{label}</span>
      <select data-testid={testId} value={value} disabled={locked} onChange={(event) => onChoose(event.target.value as T)}>
        {choices.map((choice) => (
          <option key={choice} value={choice}>
            {name(choice)}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The knobs most runs turn; each change is checked like the JSON is. */
function RecipeKnobs({ recipe, locked, onApply }: KnobsProps) {
  const number = (text: string) => (text.trim() === '' ? Number.NaN : Number(text));
  return (
    <div className="recipe-knobs">
      <ChoiceKnob label="Loss" testId="recipe-loss" value={recipe.loss} choices={LOSSES} locked={locked}
        onChoose={(loss) => onApply({ ...recipe, loss })} />
      <NumberKnob label="Real target" testId="recipe-real-target" value={recipe.realTarget} locked={locked}
        onCommit={(text) => onApply({ ...recipe, realTarget: number(text) })} />
      <NumberKnob label="G learning rate" testId="recipe-g-lr" value={recipe.gOptimizer.lr} locked={locked}
        onCommit={(text) => onApply({ ...recipe, gOptimizer: { ...recipe.gOptimizer, lr: number(text) } })} />
      <NumberKnob label="D learning rate" testId="recipe-d-lr" value={recipe.dOptimizer.lr} locked={locked}
        onCommit={(text) => onApply({ ...recipe, dOptimizer: { ...recipe.dOptimizer, lr: number(text) } })} />
      <NumberKnob label="D steps per G step" testId="recipe-d-steps" value={recipe.dStepsPerGStep} locked={locked}
        onCommit={(text) => onApply({ ...recipe, dStepsPerGStep: number(text) })} />
      <ChoiceKnob label="Learning rates" testId="recipe-schedule" value={recipe.lrSchedule} choices={LR_SCHEDULES} locked={locked}
        name={(schedule) => (schedule === 'linear' ? 'linear decay to 0' : schedule)}
        onChoose={(lrSchedule) => onApply({ ...recipe, lrSchedule })} />
      <ChoiceKnob label="Conditioning" testId="recipe-conditioning" value={recipe.conditioning} choices={CONDITIONINGS} locked={locked}
        name={(conditioning) => (conditioning === 'class' ? 'on the digit (class)' : conditioning)}
        onChoose={(conditioning) => onApply({ ...recipe, conditioning })} />
      <NumberKnob label="Latent size" testId="recipe-latent" value={recipe.generator.inputSize} locked={locked}
        onCommit={(text) => onApply({ ...recipe, generator: { ...recipe.generator, inputSize: number(text) } })} />
      <NumberKnob
        label="G average decay (blank: none)"
        testId="recipe-average"
        value={recipe.average?.decay ?? ''}
        locked={locked}
        onCommit={(text) =>
          onApply({ ...recipe, average: text.trim() === '' ? null : { warmup: recipe.average?.warmup ?? true, decay: number(text) } })
        }
      />
      <label className="field checkbox-field">
        <input
          type="checkbox"
          data-testid="recipe-warmup"
          checked={recipe.average?.warmup ?? false}
          disabled={locked || recipe.average === null}
          onChange={(event) => recipe.average && onApply({ ...recipe, average: { ...recipe.average, warmup: event.target.checked } })}
        />
        <span className="field-label">average warm-up</span>
      </label>
    </div>
  );
}

interface NumberKnobProps {
  label: string;
  testId: string;
  value: number | string;
  locked: boolean;
  onCommit(text: string): void;
}

/** A number typed freely, applied on Enter or leaving the field; shows the recipe's value again after. */
function NumberKnob({ label, testId, value, locked, onCommit }: NumberKnobProps) {
  const [text, setText] = useState<string | null>(null);
  const commit = () => {
    if (text !== null && text !== String(value)) onCommit(text);
    setText(null);
  };
  return (
    <label className="field">
      <span className="field-label">{label}</span>
      <input
        data-testid={testId}
        className="input"
        type="text"
        inputMode="decimal"
        autoComplete="off"
        value={text ?? String(value)}
        disabled={locked}
        onChange={(event) => setText(event.target.value)}
        onBlur={commit}
        onKeyDown={(event) => {
          if (event.key === 'Enter') commit();
        }}
      />
    </label>
  );
}
