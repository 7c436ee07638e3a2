/**
 * Keeps the multi-threaded tfjs wasm backend working in a minified bundle.
 *
 * To start its threads, tfjs-backend-wasm serialises its Emscripten factory with
 * `factory.toString()` and evaluates that text in each thread's worker, outside the closure it was
 * written in. The factory reads one variable of that closure, guarded so the text still runs on
 * its own: `typeof _scriptDir !== "undefined" && _scriptDir`. A minifier that sees the variable
 * declared turns the guard into `e !== void 0 && e`, and every thread then dies with
 * "ReferenceError: e is not defined". `_scriptDir` comes from `document.currentScript`, which does
 * not exist in a worker, so the guard is always false here: write it as such.
 */
import type { Plugin } from 'vite';

const THREADED_FACTORY = /@tensorflow[\\/]tfjs-backend-wasm[\\/]wasm-out[\\/]tfjs-backend-wasm-threaded-simd\.js$/;
const CLOSURE_READ = 'typeof _scriptDir !== "undefined" && _scriptDir';

export function tfjsWasmThreadsPlugin(): Plugin {
  return {
    name: 'mnist-gan-lab:tfjs-wasm-threads',
    transform(code, id) {
      if (!THREADED_FACTORY.test(id.split('?')[0])) return null;
      if (!code.includes(CLOSURE_READ)) {
        this.error(
          `${id} no longer contains \`${CLOSURE_READ}\`: check that the threaded wasm backend ` +
            'still starts in a minified build, then update scripts/tfjsWasmThreadsPlugin.ts.',
        );
      }
      return { code: code.replaceAll(CLOSURE_READ, 'false'), map: null };
    },
  };
}
