/**
 * Runs the PyTorch reference (bench/reference/seed_gan_torch.py, the seed or the DCGAN preset) with Debian's Python, which is
 * where `apt-get install python3-torch libopenblas0-pthread` puts PyTorch.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';

export interface ReferenceResult {
  implementation: 'pytorch';
  torch: string;
  threads: number;
  stepsPerSecond: number[];
  median: number;
}

export const REFERENCE_SETUP =
  'apt-get install -y python3-torch libopenblas0-pthread (PyTorch for /usr/bin/python3)';

export async function referenceAvailable(): Promise<boolean> {
  if (!existsSync(PYTHON)) return false;
  try {
    await run(PYTHON, ['-c', 'import torch']);
    return true;
  } catch {
    return false;
  }
}

export async function runReference(root: string, preset: 'seed' | 'dcgan', steps: number, warmup: number): Promise<ReferenceResult> {
  // OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE may be pinned on this workplace for old OpenBLAS
  // builds; they slow a current one, so the reference runs without them.
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const script = join(root, 'bench', 'reference', 'seed_gan_torch.py');
  const { stdout } = await run(
    PYTHON,
    [script, '--preset', preset, '--steps', String(steps), '--warmup', String(warmup), '--repeats', '1'],
    { env, maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as ReferenceResult;
}
