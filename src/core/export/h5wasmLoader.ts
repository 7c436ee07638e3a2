/**
 * h5wasm (the HDF5 C library in WebAssembly, 4 MB) is loaded on first use only, so pages and
 * runs that never touch a Keras file do not pay for it. Files live in its in-memory file system
 * for the length of one call.
 */
import type * as H5 from 'h5wasm';

export type H5wasm = typeof H5.default;

let loading: Promise<{ h5: H5wasm; fs: NonNullable<typeof H5.FS> }> | null = null;

/** The HDF5 library's own error report, printed for every file it cannot read. */
const HDF5_DIAGNOSTIC = /^(HDF5-DIAG|\s+#\d+:|\s+major:|\s+minor:)/;

interface ConsoleLike {
  error(...args: unknown[]): void;
}

export function loadH5wasm(): Promise<{ h5: H5wasm; fs: NonNullable<typeof H5.FS> }> {
  loading ??= (async () => {
    // The module binds console.error once, while it starts: it gets a copy that drops the HDF5
    // library's diagnostics (a refused file already says what is wrong in one sentence).
    const host = (globalThis as unknown as { console: ConsoleLike }).console;
    const original = host.error;
    host.error = (...args: unknown[]) => {
      if (!(typeof args[0] === 'string' && HDF5_DIAGNOSTIC.test(args[0]))) original.apply(host, args);
    };
    try {
      const h5 = (await import('h5wasm')).default;
      const { FS } = await h5.ready;
      return { h5, fs: FS };
    } finally {
      host.error = original;
    }
  })();
  return loading;
}

let fileCounter = 0;

/** A fresh name in h5wasm's in-memory file system. */
export function scratchName(): string {
  fileCounter += 1;
  return `/keras-${fileCounter}.h5`;
}
