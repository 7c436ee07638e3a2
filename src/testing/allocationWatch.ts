/**
 * A watch on the typed arrays that code under test allocates, for the fuzz tests of the parsers
 * that read untrusted bytes. Test support only.
 *
 * Importing this module replaces the global ArrayBuffer and typed-array constructors with
 * proxies, for good, and points each prototype's `constructor` at its proxy. So code that keeps
 * its own reference to a constructor (fflate's `var u8 = Uint8Array`) allocates through the proxy
 * too, and so do `slice`, `map` and the like (they construct through `constructor`), provided that
 * code is evaluated after this module: import it first in a test file, before tfjs and fflate, and
 * keep a self-check in the test that shows it sees what it must.
 */

const TYPED = [
  'ArrayBuffer',
  'SharedArrayBuffer',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int8Array',
  'Uint16Array',
  'Int16Array',
  'Uint32Array',
  'Int32Array',
  'Float32Array',
  'Float64Array',
] as const;

interface Watch {
  largest: number;
  refuseAbove: number;
}

let watch: Watch | null = null;

const globals = globalThis as unknown as Record<string, unknown>;
const INSTALLED = Symbol.for('mnist-gan-lab.allocationWatch');
const OriginalArrayBuffer = ArrayBuffer;
const OriginalSharedArrayBuffer = typeof SharedArrayBuffer === 'function' ? SharedArrayBuffer : undefined;

function isBuffer(value: unknown): boolean {
  return value instanceof OriginalArrayBuffer || (OriginalSharedArrayBuffer !== undefined && value instanceof OriginalSharedArrayBuffer);
}

function record(bytes: number): void {
  if (!watch) return;
  watch.largest = Math.max(watch.largest, bytes);
  // Recorded, not made: a fuzz case must not take the test machine's memory.
  if (bytes > watch.refuseAbove) throw new RangeError(`Refused to allocate ${bytes} bytes.`);
}

function install(): void {
  if (globals[INSTALLED as unknown as string]) return;
  globals[INSTALLED as unknown as string] = true;
  for (const name of TYPED) {
    const original = globals[name] as (new (...args: unknown[]) => ArrayBufferView | ArrayBuffer) | undefined;
    if (typeof original !== 'function') continue;
    const bytesPer = name.endsWith('Buffer') ? 1 : (original as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    const proxy: typeof original = new Proxy(original, {
      construct(target, args, newTarget) {
        const [first] = args as unknown[];
        // new X(length) is refused before it is made; new X(arrayLike) copies, and counts once
        // made; new X(buffer, offset, length) is a view and allocates nothing.
        if (typeof first === 'number') record(first * bytesPer);
        const made = Reflect.construct(target, args, newTarget === proxy ? target : newTarget) as ArrayBufferView | ArrayBuffer;
        if (typeof first === 'object' && first !== null && !isBuffer(first)) record(made.byteLength);
        return made;
      },
    });
    Object.defineProperty(original.prototype, 'constructor', { value: proxy, writable: true, configurable: true });
    globals[name] = proxy;
  }
}

install();

/**
 * Runs `act` with the watch on, and returns the largest number of bytes any single ArrayBuffer or
 * typed array made during it took (views over existing buffers take none). Allocations above
 * `refuseAbove` bytes throw a RangeError instead of being made.
 */
export async function largestAllocation(act: () => unknown, refuseAbove = Infinity): Promise<number> {
  if (watch) throw new Error('largestAllocation does not nest.');
  const current: Watch = { largest: 0, refuseAbove };
  watch = current;
  try {
    await act();
  } finally {
    watch = null;
  }
  return current.largest;
}
