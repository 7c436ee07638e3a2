/** Entry of `npm run bench` (after `npm run build`): loads the TypeScript bench through Vite. */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { module } = await runnerImport(join(root, 'bench/bench.ts'), { configFile: false, logLevel: 'warn' });
await module.bench(root, process.argv.slice(2));
