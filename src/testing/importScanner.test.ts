import { describe, expect, it } from 'vitest';
import { findImports } from './importScanner';

const sample = `
/** Loaded on demand, as import('./inComment') would be. */
import type { WorkerEvent } from '../worker/protocol';
import { parseConfig, type RunConfig } from '../core/config';
import {
  DIGIT_PIXELS,
} from '../core/digits';
import './styles.css';
export { gridBytes } from '../core/digits';
export type { LossPoint } from '../core/lossPoint';

const message = "import('./inString')";
type Ort = typeof import('onnxruntime-web');
export const loadOnnxRuntime = () => import('./onnxRuntime');
export async function loadTf(name: string) {
  const tf = await import(
    '@tensorflow/tfjs'
  );
  const backend = await import(\`@tensorflow/tfjs-backend-\${name}\`);
  return { tf, backend };
}
const worker = new Worker(new URL('../worker/training.worker.ts', import.meta.url), { type: 'module' });
const model = new URL('classifier/model.json', location.href);
`;

describe('import scanner', () => {
  it('finds static, re-exported, side-effect, dynamic and worker imports, and nothing in comments or strings', () => {
    const found = findImports(sample);
    expect(found.map(({ spec, typeOnly, dynamic, computed }) => [spec, typeOnly, dynamic, computed])).toEqual([
      ['../worker/protocol', true, false, false],
      ['../core/config', false, false, false],
      ['../core/digits', false, false, false],
      ['./styles.css', false, false, false],
      ['../core/digits', false, false, false],
      ['../core/lossPoint', true, false, false],
      ['onnxruntime-web', true, true, false],
      ['./onnxRuntime', false, true, false],
      ['@tensorflow/tfjs', false, true, false],
      ['`@tensorflow/tfjs-backend-${name}`', false, true, true],
      ['../worker/training.worker.ts', false, false, false],
    ]);
  });
});
