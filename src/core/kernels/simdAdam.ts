/**
 * The Adam update as a small WebAssembly SIMD function that runs on the wasm backend's own
 * memory, four weights per instruction. The JavaScript loop in adamKernel.ts does one weight at
 * a time in double precision; this does the same arithmetic in float32 (as Keras does) at about
 * the speed of memory. The module is assembled here, byte by byte, so nothing is fetched.
 *
 *   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g·g,  w ← w − step·m / (√v + ε)
 */

import type { WasmMemory } from './hostMemory';

// Value types, instructions and the SIMD instructions (after the 0xfd prefix) used below.
const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
const op = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  get: 0x20,
  set: 0x21,
  i32Const: 0x41,
  i32GeU: 0x4f,
  i32Add: 0x6a,
};
const SIMD = 0xfd;
const simd = {
  load: [0x00],
  store: [0x0b],
  splat: [0x13],
  sqrt: [0xe3, 0x01],
  add: [0xe4, 0x01],
  sub: [0xe5, 0x01],
  mul: [0xe6, 0x01],
  div: [0xe7, 0x01],
};

function leb(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

const vec = (items: number[][]) => [...leb(items.length), ...items.flat()];
const name = (text: string) => [...leb(text.length), ...Array.from(text, (c) => c.charCodeAt(0))];
const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];

// Parameters: byte offsets w, g, m, v (in), w', m', v' (out), byte length; then
// β1, 1−β1, β2, 1−β2, ε, step. Locals after them: the byte index and the splatted constants.
const [W0, G, M0, V0, W1, M1, V1, BYTES, B1, B1C, B2, B2C, EPS, STEP] = Array.from({ length: 14 }, (_, i) => i);
const [I, B1X, B1CX, B2X, B2CX, EPSX, STEPX, GX, MX, VX] = Array.from({ length: 10 }, (_, i) => 14 + i);

function adamBody(): number[] {
  const get = (local: number) => [op.get, local];
  const set = (local: number) => [op.set, local];
  const s = (instruction: number[]) => [SIMD, ...instruction];
  const memarg = [4, 0]; // 16-byte alignment hint, no offset
  const at = (base: number) => [...get(base), ...get(I), op.i32Add];
  const load = (base: number) => [...at(base), ...s(simd.load), ...memarg];
  const splat = (from: number, to: number) => [...get(from), ...s(simd.splat), ...set(to)];
  return [
    ...splat(B1, B1X), ...splat(B1C, B1CX), ...splat(B2, B2X), ...splat(B2C, B2CX),
    ...splat(EPS, EPSX), ...splat(STEP, STEPX),
    op.block, 0x40, op.loop, 0x40,
    ...get(I), ...get(BYTES), op.i32GeU, op.brIf, 1,
    ...load(G), ...set(GX),
    // m' = β1·m + (1−β1)·g
    ...load(M0), ...get(B1X), ...s(simd.mul), ...get(GX), ...get(B1CX), ...s(simd.mul), ...s(simd.add), ...set(MX),
    ...at(M1), ...get(MX), ...s(simd.store), ...memarg,
    // v' = β2·v + (1−β2)·g·g
    ...load(V0), ...get(B2X), ...s(simd.mul), ...get(GX), ...get(GX), ...s(simd.mul), ...get(B2CX), ...s(simd.mul), ...s(simd.add), ...set(VX),
    ...at(V1), ...get(VX), ...s(simd.store), ...memarg,
    // w' = w − step·m' / (√v' + ε)
    ...at(W1),
    ...load(W0), ...get(STEPX), ...get(MX), ...s(simd.mul), ...get(VX), ...s(simd.sqrt), ...get(EPSX), ...s(simd.add), ...s(simd.div), ...s(simd.sub),
    ...s(simd.store), ...memarg,
    ...get(I), op.i32Const, 16, op.i32Add, ...set(I),
    op.br, 0,
    op.end, op.end,
    op.end,
  ];
}

function adamModule(shared: boolean): Uint8Array {
  const limits = shared ? [0x03, 0, ...leb(65536)] : [0x00, 0];
  const body = [...vec([[1, I32], [9, V128]]), ...adamBody()];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec(Array.from({ length: 8 }, () => [I32]).concat(Array.from({ length: 6 }, () => [F32]))), 0]])),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, ...limits]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('adam'), 0x00, 0]])),
    ...section(10, vec([[...leb(body.length), ...body]])),
  ]);
}

type AdamFunction = (
  w0: number, g: number, m0: number, v0: number, w1: number, m1: number, v1: number, bytes: number,
  beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, epsilon: number, step: number,
) => void;

/** The parts of the WebAssembly API used here (core code is typed without the DOM). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

const instances = new WeakMap<WasmMemory, AdamFunction | null>();

/**
 * The SIMD update bound to `memory`, or null where this WebAssembly has no SIMD (the caller
 * then loops in JavaScript).
 */
export function simdAdamFor(memory: WasmMemory): AdamFunction | null {
  if (instances.has(memory)) return instances.get(memory)!;
  let adam: AdamFunction | null = null;
  try {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const module = new api.Module(adamModule(shared));
    const instance = new api.Instance(module, { env: { memory } });
    adam = instance.exports.adam as AdamFunction;
  } catch {
    adam = null;
  }
  instances.set(memory, adam);
  return adam;
}
