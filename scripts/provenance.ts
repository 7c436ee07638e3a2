/**
 * Where a measured figure comes from: the commit it was measured on, whether the work tree had
 * changes (a figure from uncommitted code cannot be reproduced, so measuring scripts refuse a
 * dirty tree unless told `--allow-dirty`, and say so in their file), and the machine.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

export interface Provenance {
  date: string;
  commit: string;
  /** Tracked files differed from the commit when this was measured. */
  dirty: boolean;
  machine: { cpu: string; cores: number; memoryBytes: number; node: string };
}

function git(root: string, args: string[]): string {
  return execFileSync('git', args, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
}

/**
 * The provenance of a measurement about to start in `root`. Throws when tracked files have
 * changes and `allowDirty` is false: commit first, or pass --allow-dirty (recorded).
 */
export function provenance(root: string, allowDirty: boolean): Provenance {
  let commit = 'nocommit';
  let dirty = true;
  try {
    commit = git(root, ['rev-parse', '--short', 'HEAD']);
    dirty = git(root, ['status', '--porcelain', '--untracked-files=no']) !== '';
  } catch {
    // Not a git checkout: nothing ties the figure to a commit, which `dirty` says.
  }
  if (dirty && !allowDirty) {
    throw new Error(
      `The work tree has uncommitted changes (or is not a git checkout), so this figure could not be tied to commit ${commit}. ` +
        'Commit first, or pass --allow-dirty (the result file records it).',
    );
  }
  const cpu = cpus();
  return {
    date: new Date().toISOString(),
    commit,
    dirty,
    machine: { cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, memoryBytes: totalmem(), node: process.version },
  };
}

/** `<date>-<commit>[-dirty]`, the stem of a result file's name. */
export function resultStem(p: Provenance): string {
  return `${p.date.slice(0, 10)}-${p.commit}${p.dirty ? '-dirty' : ''}`;
}

/**
 * Writes a bench's figures, after their provenance, to bench/results/<stem><suffix>.json under
 * `root`; returns the file's path.
 */
export function writeResult(root: string, origin: Provenance, suffix: string, figures: Record<string, unknown>): string {
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${resultStem(origin)}${suffix}.json`);
  writeFileSync(file, `${JSON.stringify({ ...origin, ...figures }, null, 2)}\n`);
  return file;
}
