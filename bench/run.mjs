/**
 * Entry of `npm run bench` and `npm run bench:compare` (after `npm run build`): loads a
 * TypeScript bench through Vite. A first argument that is not an option names the bench
 * (`compareLongTasks` for bench/compareLongTasks.ts); without one it is bench/bench.ts.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [first, ...rest] = process.argv.slice(2);
const named = first !== undefined && !first.startsWith('-');
const entry = named ? first : 'bench';
const { module } = await runnerImport(join(root, 'bench', `${entry}.ts`), { configFile: false, logLevel: 'warn' });
await module.bench(root, named ? rest : process.argv.slice(2));
