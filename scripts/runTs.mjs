/**
 * Runs a TypeScript script of this repository through Vite's module runner (Node 20 cannot strip
 * types itself): `node scripts/runTs.mjs scripts/eval.ts <args>`. The module's `main(args)` runs.
 */
import { resolve } from 'node:path';
import { runnerImport } from 'vite';

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('Usage: node scripts/runTs.mjs <script.ts> [arguments]');
  process.exit(2);
}
const { module } = await runnerImport(resolve(file), { configFile: false, logLevel: 'warn' });
await module.main(args);
