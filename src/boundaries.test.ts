/**
 * The architecture's import rules, checked on every file: core knows nothing of the UI, the
 * worker or storage; the UI reaches the worker only through the protocol's types and never
 * imports tfjs for training.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '.');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [path] : [];
  });
}

interface Import {
  file: string;
  spec: string;
  typeOnly: boolean;
}

function imports(dir: string): Import[] {
  return sources(join(root, dir)).flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    const found: Import[] = [];
    for (const match of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
      found.push({ file: relative(root, file), spec: match[3], typeOnly: Boolean(match[2]) });
    }
    for (const match of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) {
      found.push({ file: relative(root, file), spec: match[1], typeOnly: false });
    }
    for (const match of text.matchAll(/new URL\(\s*['"]([^'"]+)['"]/g)) {
      found.push({ file: relative(root, file), spec: match[1], typeOnly: false });
    }
    return found;
  });
}

const describeImport = (i: Import) => `${i.file} imports ${i.spec}${i.typeOnly ? ' (type)' : ''}`;

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
    const tfjsFree = new Set(['config', 'presets', 'architecture', 'lossPoint', 'progress', 'digits', 'errors']);
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
});
