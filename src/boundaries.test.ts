/**
 * The architecture's import rules, checked on every file: core knows nothing of the UI, the
 * worker or storage; the UI reaches the worker only through the protocol's types and never
 * imports tfjs for training; production code never imports the test helpers in src/testing.
 * Dynamic `import('…')` counts like a static import.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type FoundImport, findImports } from './testing/importScanner';

const root = join(import.meta.dirname, '.');
const testing = join(root, 'testing');

/** Production source files under `dir`: tests and src/testing left out. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (path === testing) return [];
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [path] : [];
  });
}

interface Import extends FoundImport {
  file: string;
}

function imports(dir: string): Import[] {
  return sources(join(root, dir)).flatMap((file) =>
    findImports(readFileSync(file, 'utf8'), file).map((found) => ({ ...found, file: relative(root, file) })),
  );
}

const describeImport = (i: Import) =>
  `${i.file} imports ${i.spec}${i.typeOnly ? ' (type)' : ''}${i.dynamic ? ' (dynamic)' : ''}`;

describe('import boundaries', () => {
  it('core imports nothing from the UI, the worker, storage or React', () => {
    const bad = imports('core').filter((i) => /(^|\/)(ui|worker|storage)\/|^react/.test(i.spec));
    expect(bad.map(describeImport)).toEqual([]);
  });

  it('the UI never imports tfjs and reaches the worker only through its entry and protocol types', () => {
    const found = imports('ui');
    expect(found.length).toBeGreaterThan(0);
    const bad = found.filter(
      (i) =>
        i.spec.startsWith('@tensorflow/') ||
        (i.spec.includes('/worker/') &&
          !(i.typeOnly && i.spec.endsWith('/worker/protocol')) &&
          !i.spec.endsWith('training.worker.ts')),
    );
    expect(bad.map(describeImport)).toEqual([]);
  });

  it('the UI imports from core only tfjs-free modules', () => {
    const tfjsFree = new Set(['config', 'presets', 'architecture', 'recipe', 'recipeCost', 'liveSettings', 'lossPoint', 'progress', 'digits', 'errors', 'trainingScript', 'trainingScriptBody']);
    const bad = imports('ui').filter((i) => {
      const m = /\/core\/([A-Za-z]+)$/.exec(i.spec);
      return m !== null && !tfjsFree.has(m[1]) && !i.typeOnly;
    });
    expect(bad.map(describeImport)).toEqual([]);
    for (const name of tfjsFree) {
      expect(readFileSync(join(root, 'core', `${name}.ts`), 'utf8')).not.toMatch(/@tensorflow/);
    }
  });

  it('the worker never touches the DOM or React', () => {
    const bad = imports('worker').filter((i) => /(^|\/)ui\/|^react/.test(i.spec));
    expect(bad.map(describeImport)).toEqual([]);
  });

  it('production code never imports the test helpers in src/testing', () => {
    const bad = imports('.').filter((i) => {
      const target = resolve(dirname(join(root, i.file)), i.spec);
      return i.spec.startsWith('.') && (target + sep).startsWith(testing + sep);
    });
    expect(bad.map(describeImport)).toEqual([]);
  });

  it('dynamic imports name their module as a plain string, so the rules above can check them', () => {
    const bad = imports('.').filter((i) => i.computed);
    expect(bad.map(describeImport)).toEqual([]);
  });
});
