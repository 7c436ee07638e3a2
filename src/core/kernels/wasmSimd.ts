/**
 * Small WebAssembly SIMD functions that run on the wasm backend's own memory, four floats per
 * instruction, for the passes tfjs' wasm kernels do one float at a time. The module is
 * assembled here, byte by byte, so nothing is fetched. Arithmetic is float32, as Keras' is.
 *
 *   adam:       m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g·g,  w ← w − step·m / (√v + ε)
 *   leakyMask:  out ← max(z, α·z) · mask        (LeakyReLU for α ≤ 1, then dropout)
 *   leaky:      out ← max(z, α·z)
 *   gemm:       C ← A·B (+ bias, or + C), a band of C's columns (see gemmBody); runGemmJob
 *               runs a large product as blocks of it
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
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32Eqz: 0x45,
  if: 0x04,
  else: 0x05,
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
  max: [0xe9, 0x01],
  load32Splat: [0x09],
  const: [0x0c],
  /** Relaxed SIMD: a·b + c, fused where the CPU has FMA. */
  madd: [0x85, 0x02],
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

const get = (local: number) => [op.get, local];
const set = (local: number) => [op.set, local];
const s128 = (instruction: number[]) => [SIMD, ...instruction];
const MEMARG = [4, 0]; // 16-byte alignment hint, no offset

// Parameters: byte offsets w, g, m, v (in), w', m', v' (out), byte length; then
// β1, 1−β1, β2, 1−β2, ε, step. Locals after them: the byte index and the splatted constants.
const [W0, G, M0, V0, W1, M1, V1, BYTES, B1, B1C, B2, B2C, EPS, STEP] = Array.from({ length: 14 }, (_, i) => i);
const [I, B1X, B1CX, B2X, B2CX, EPSX, STEPX, GX, MX, VX] = Array.from({ length: 10 }, (_, i) => 14 + i);

function adamBody(): number[] {
  const s = s128;
  const memarg = MEMARG;
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

/**
 * out[i] = max(z, α·z) (· mask) over `bytes` bytes. Parameters: z, [mask,] out, bytes, α;
 * locals: the byte index, α splatted, z.
 */
function leakyBody(withMask: boolean): number[] {
  const [Z, MASK, OUT, N, ALPHA] = withMask ? [0, 1, 2, 3, 4] : [0, -1, 1, 2, 3];
  const first = withMask ? 5 : 4;
  const [IDX, ALPHAX, ZX] = [first, first + 1, first + 2];
  const at = (base: number) => [...get(base), ...get(IDX), op.i32Add];
  const load = (base: number) => [...at(base), ...s128(simd.load), ...MEMARG];
  return [
    ...get(ALPHA), ...s128(simd.splat), ...set(ALPHAX),
    op.block, 0x40, op.loop, 0x40,
    ...get(IDX), ...get(N), op.i32GeU, op.brIf, 1,
    ...at(OUT),
    ...load(Z), ...set(ZX),
    ...get(ZX), ...get(ZX), ...get(ALPHAX), ...s128(simd.mul), ...s128(simd.max),
    ...(withMask ? [...load(MASK), ...s128(simd.mul)] : []),
    ...s128(simd.store), ...MEMARG,
    ...get(IDX), op.i32Const, 16, op.i32Add, ...set(IDX),
    op.br, 0,
    op.end, op.end,
    op.end,
  ];
}

// gemm's parameters (i32; pointers and strides in bytes) and locals.
const [GA, GRS, GKS, GB, GLDB, GC, GLDC, GBIAS, GROWS, GJ0, GJ1, GK, GSCRATCH, GACCUMULATE] = Array.from({ length: 14 }, (_, i) => i);
const [GJ, GI, GKK, PA0, PA1, PA2, PA3, PB, PC] = Array.from({ length: 9 }, (_, i) => 14 + i);
const ACC = Array.from({ length: 8 }, (_, i) => 23 + i);
const [GB0, GB1, GAV] = [31, 32, 33];

/**
 * C[r, j] = Σk A(r, k)·B[k, j] (+ bias[j], or + C[r, j] itself with ACCUMULATE) for rows 0‥ROWS (a multiple of 4) and the columns
 * whose byte offsets lie in [J0, J1) (multiples of 32: 8 columns), in tiles of 4 rows × 8
 * columns held in registers. A(r, k) is read at A + r·RS + k·KS, so A may be stored
 * transposed; B and C are row-major with row strides LDB and LDC. Each band of 8 columns of B
 * is first copied into SCRATCH (K × 32 bytes, contiguous) and stays in cache while the row
 * tiles pass over it: read in place, a band whose row stride is a power of two (1024 or 512
 * columns) maps every row to the same cache set and ran at a quarter of the speed.
 * `fma` selects relaxed SIMD's fused multiply-add over a multiply and an add.
 */
function gemmBody(fma: boolean): number[] {
  const s = s128;
  // With fma: [a, b, acc] → madd. Without: a·b first, then + acc (the stack order differs).
  const accumulate = (acc: number, bReg: number) =>
    fma
      ? [...get(GAV), ...get(bReg), ...get(acc), ...s(simd.madd), ...set(acc)]
      : [...get(GAV), ...get(bReg), ...s(simd.mul), ...get(acc), ...s(simd.add), ...set(acc)];
  const zero = [...s(simd.const), ...new Array(16).fill(0)];
  const tileOfC = [
    // PC = C + I·LDC + J: the tile's first row in C.
    ...get(GC), ...get(GI), ...get(GLDC), op.i32Mul, op.i32Add, ...get(GJ), op.i32Add, ...set(PC),
  ];
  const initAcc = [
    ...get(GACCUMULATE), op.if, 0x40,
    // The tile as C holds it, row after row (PB as the cursor: it is set for the k loop after).
    ...get(PC), ...set(PB),
    ...[0, 1, 2, 3].flatMap((r) => [
      ...get(PB), ...s(simd.load), 4, 0, ...set(ACC[2 * r]),
      ...get(PB), ...s(simd.load), 4, 16, ...set(ACC[2 * r + 1]),
      ...(r < 3 ? [...get(PB), ...get(GLDC), op.i32Add, ...set(PB)] : []),
    ]),
    op.else,
    ...get(GBIAS), op.if, 0x40,
    ...ACC.flatMap((acc, n) => [...get(GBIAS), ...get(GJ), op.i32Add, ...s(simd.load), 4, (n & 1) * 16, ...set(acc)]),
    op.else,
    ...ACC.flatMap((acc) => [...zero, ...set(acc)]),
    op.end,
    op.end,
  ];
  const rowPointers = [
    // PA0 = A + I·RS, PA1..3 one row further each.
    ...get(GA), ...get(GI), ...get(GRS), op.i32Mul, op.i32Add, ...set(PA0),
    ...get(PA0), ...get(GRS), op.i32Add, ...set(PA1),
    ...get(PA1), ...get(GRS), op.i32Add, ...set(PA2),
    ...get(PA2), ...get(GRS), op.i32Add, ...set(PA3),
    ...get(GSCRATCH), ...set(PB),
  ];
  // SCRATCH ← the band of B at column byte offset J, row after row (PB, PC and KK as cursors).
  const packBand = [
    ...get(GB), ...get(GJ), op.i32Add, ...set(PB),
    ...get(GSCRATCH), ...set(PC),
    ...get(GK), ...set(GKK),
    op.block, 0x40, op.loop, 0x40,
    ...get(GKK), op.i32Eqz, op.brIf, 1,
    ...get(PC), ...get(PB), ...s(simd.load), 4, 0, ...s(simd.store), 4, 0,
    ...get(PC), ...get(PB), ...s(simd.load), 4, 16, ...s(simd.store), 4, 16,
    ...get(PB), ...get(GLDB), op.i32Add, ...set(PB),
    ...get(PC), op.i32Const, 32, op.i32Add, ...set(PC),
    ...get(GKK), op.i32Const, 1, op.i32Sub, ...set(GKK),
    op.br, 0,
    op.end, op.end,
  ];
  const kStep = [
    ...get(PB), ...s(simd.load), 4, 0, ...set(GB0),
    ...get(PB), ...s(simd.load), 4, 16, ...set(GB1),
    ...[PA0, PA1, PA2, PA3].flatMap((pa, r) => [
      ...get(pa), ...s(simd.load32Splat), 2, 0, ...set(GAV),
      ...accumulate(ACC[2 * r], GB0),
      ...accumulate(ACC[2 * r + 1], GB1),
    ]),
    ...[PA0, PA1, PA2, PA3].flatMap((pa) => [...get(pa), ...get(GKS), op.i32Add, ...set(pa)]),
    ...get(PB), op.i32Const, 32, op.i32Add, ...set(PB),
    ...get(GKK), op.i32Const, 1, op.i32Sub, ...set(GKK),
  ];
  const store = [
    // From PC, each row of the tile one LDC further.
    ...[0, 1, 2, 3].flatMap((r) => [
      ...get(PC), ...get(ACC[2 * r]), ...s(simd.store), 4, 0,
      ...get(PC), ...get(ACC[2 * r + 1]), ...s(simd.store), 4, 16,
      ...(r < 3 ? [...get(PC), ...get(GLDC), op.i32Add, ...set(PC)] : []),
    ]),
  ];
  return [
    ...get(GJ0), ...set(GJ),
    op.block, 0x40, op.loop, 0x40,
    ...get(GJ), ...get(GJ1), op.i32GeU, op.brIf, 1,
    ...packBand,
    op.i32Const, 0, ...set(GI),
    op.block, 0x40, op.loop, 0x40,
    ...get(GI), ...get(GROWS), op.i32GeU, op.brIf, 1,
    ...tileOfC,
    ...initAcc,
    ...rowPointers,
    ...get(GK), ...set(GKK),
    op.block, 0x40, op.loop, 0x40,
    ...get(GKK), op.i32Eqz, op.brIf, 1,
    ...kStep,
    op.br, 0,
    op.end, op.end,
    ...store,
    ...get(GI), op.i32Const, 4, op.i32Add, ...set(GI),
    op.br, 0,
    op.end, op.end,
    ...get(GJ), op.i32Const, 32, op.i32Add, ...set(GJ),
    op.br, 0,
    op.end, op.end,
    op.end,
  ];
}

const ADAM_TYPE = [0x60, ...vec([...Array.from({ length: 8 }, () => [I32]), ...Array.from({ length: 6 }, () => [F32])]), 0];
const LEAKY_MASK_TYPE = [0x60, ...vec([[I32], [I32], [I32], [I32], [F32]]), 0];
const LEAKY_TYPE = [0x60, ...vec([[I32], [I32], [I32], [F32]]), 0];
const GEMM_TYPE = [0x60, ...vec(Array.from({ length: 14 }, () => [I32])), 0];

function simdModule(shared: boolean, fma: boolean): Uint8Array {
  const limits = shared ? [0x03, 0, ...leb(65536)] : [0x00, 0];
  const code = (locals: number[][], body: number[]) => {
    const bytes = [...vec(locals), ...body];
    return [...leb(bytes.length), ...bytes];
  };
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([ADAM_TYPE, LEAKY_MASK_TYPE, LEAKY_TYPE, GEMM_TYPE])),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, ...limits]])),
    ...section(3, vec([[0], [1], [2], [3]])),
    ...section(7, vec([[...name('adam'), 0x00, 0], [...name('leakyMask'), 0x00, 1], [...name('leaky'), 0x00, 2], [...name('gemm'), 0x00, 3]])),
    ...section(10, vec([
      code([[1, I32], [9, V128]], adamBody()),
      code([[1, I32], [2, V128]], leakyBody(true)),
      code([[1, I32], [2, V128]], leakyBody(false)),
      code([[9, I32], [11, V128]], gemmBody(fma)),
    ])),
  ]);
}

type AdamFunction = (
  w0: number, g: number, m0: number, v0: number, w1: number, m1: number, v1: number, bytes: number,
  beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, epsilon: number, step: number,
) => void;

export interface SimdKernels {
  adam: AdamFunction;
  leakyMask(z: number, mask: number, out: number, bytes: number, alpha: number): void;
  leaky(z: number, out: number, bytes: number, alpha: number): void;
  gemm(
    a: number, rowStride: number, kStride: number, b: number, ldb: number, c: number, ldc: number,
    bias: number, rows: number, j0: number, j1: number, k: number, scratch: number, accumulate: number,
  ): void;
  /** Whether gemm multiplies and adds in one fused instruction (relaxed SIMD). */
  fma: boolean;
}

/** The parts of the WebAssembly API used here (core code is typed without the DOM). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

const instances = new WeakMap<WasmMemory, SimdKernels | null>();

/**
 * The SIMD functions bound to `memory`, or null where this WebAssembly has no SIMD (callers
 * then loop in JavaScript). Pointers and lengths are in bytes; lengths a multiple of 16.
 * gemm uses relaxed SIMD's fused multiply-add where the engine has it (Chromium does).
 */
export function simdKernelsFor(memory: WasmMemory): SimdKernels | null {
  if (!instances.has(memory)) instances.set(memory, instantiateSimdKernels(memory, true) ?? instantiateSimdKernels(memory, false));
  return instances.get(memory)!;
}

/** The module with or without relaxed SIMD, or null where this engine cannot compile it. */
export function instantiateSimdKernels(memory: WasmMemory, fma: boolean): SimdKernels | null {
  try {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const bytes = simdModule(shared, fma);
    if (!api.validate(bytes)) return null;
    const exports = new api.Instance(new api.Module(bytes), { env: { memory } }).exports;
    return { ...(exports as unknown as Omit<SimdKernels, 'fma'>), fma };
  } catch {
    return null;
  }
}

/** Depth of the blocks of k a product is summed in: a band of B (KC × 8 floats) stays in L1. */
export const GEMM_KC = 256;
/** Rows per block: a block of A (MC × KC) stays in L2 while every band of B passes over it. */
const GEMM_MC = 256;

/**
 * One thread's share of a product, `job` being gemm's arguments without `accumulate`, run as
 * blocks of at most GEMM_MC rows × GEMM_KC of k, each summed onto the block before it. Done
 * in one call, a product with a long k (a convolution's kernel gradient sums over every pixel
 * of the batch) re-read all of A from memory for every band of 8 columns and ran at a fifth of
 * the speed. The sums are the same, in the same order, as in one call.
 */
export function runGemmJob(kernels: SimdKernels, job: readonly number[]): void {
  const [a, rowStride, kStride, b, ldb, c, ldc, bias, rows, j0, j1, k, scratch] = job;
  for (let r0 = 0; r0 < rows; r0 += GEMM_MC) {
    const blockRows = Math.min(GEMM_MC, rows - r0);
    for (let k0 = 0; k0 < k; k0 += GEMM_KC) {
      kernels.gemm(
        a + r0 * rowStride + k0 * kStride, rowStride, kStride,
        b + k0 * ldb, ldb,
        c + r0 * ldc, ldc,
        k0 === 0 ? bias : 0,
        blockRows, j0, j1, Math.min(GEMM_KC, k - k0), scratch,
        k0 === 0 ? 0 : 1,
      );
    }
  }
}
