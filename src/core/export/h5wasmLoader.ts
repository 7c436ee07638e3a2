/**
 * h5wasm (the HDF5 C library in WebAssembly, 4 MB) is loaded on first use only, so pages and
 * runs that never touch a Keras file do not pay for it. Files live in its in-memory file system
 * for the length of one call.
 */
import type * as H5 from 'h5wasm';

export type H5wasm = typeof H5.default;

let loading: Promise<{ h5: H5wasm; fs: NonNullable<typeof H5.FS> }> | null = null;

export function loadH5wasm(): Promise<{ h5: H5wasm; fs: NonNullable<typeof H5.FS> }> {
  loading ??= import('h5wasm').then(async (module) => {
    const h5 = module.default;
    const { FS } = await h5.ready;
    return { h5, fs: FS };
  });
  return loading;
}

let fileCounter = 0;

/** A fresh name in h5wasm's in-memory file system. */
export function scratchName(): string {
  fileCounter += 1;
  return `/keras-${fileCounter}.h5`;
}
