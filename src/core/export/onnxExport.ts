/**
 * A generator as an ONNX model (ModelProto bytes), encoded by protobufjs through the static
 * module `onnx-proto` generates from the official onnx.proto. Input `noise` float32 [N, L] (L the
 * latent size, the recipe's generator.inputSize: 100 for the seed), output `image` float32
 * [N, 784] (a row-major 28x28 image in [-1, 1]); N is dynamic. The run's preset, recipe (JSON)
 * and latent size travel as metadata_props.
 *
 * Each ExportLayer kind maps to ONNX nodes in `emitLayer`. Conv kinds will slot in there:
 * tf.layers keeps activations NHWC and kernels HWIO (Conv2D) / HWOI (Conv2DTranspose), ONNX wants
 * NCHW and OIHW / IOHW, so their kernels get permuted here and a Reshape plus Transpose brings a
 * dense output into NCHW.
 */
import onnxProto from 'onnx-proto';
import { type GeneratorInfo, makeManifest, PRODUCER_NAME } from './generatorManifest';
import { type ExportLayer, type ExportNetwork, type GeneratorSource, exportNetwork } from './generatorLayers';
import { version as producerVersion } from '../../../package.json';

const { onnx } = onnxProto;

/** Opset 13: Gemm with optional C, LeakyRelu, and what OpenVINO and onnxruntime both read. */
export const ONNX_OPSET = 13;
export const ONNX_INPUT = 'noise';
/** A class-conditional generator's second input: the digit, one-hot [N, 10] float32. */
export const ONNX_LABEL = 'label';
export const ONNX_OUTPUT = 'image';
/** The dynamic batch dimension's name. */
export const ONNX_BATCH = 'N';

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** float32 values as ONNX raw_data: little-endian bytes. */
function rawFloats(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => view.setFloat32(i * 4, value, true));
  return bytes;
}

function floatInfo(name: string, width: number): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: [{ dimParam: ONNX_BATCH }, { dimValue: width }] },
      },
    },
  };
}

/** Builds a chain of nodes, each consuming the previous one's output. */
class ChainBuilder {
  readonly nodes: onnxProto.onnx.INodeProto[] = [];
  readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private current = ONNX_INPUT;
  /** Whether the current value is an NCHW image (inside a conv stack) rather than NHWC or flat. */
  nchw = false;

  constant(name: string, dims: number[], values: Float32Array): string {
    this.initializers.push({ name, dims, dataType: FLOAT, rawData: rawFloats(values) });
    return name;
  }

  int64s(name: string, values: number[]): string {
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    values.forEach((value, i) => view.setBigInt64(i * 8, BigInt(value), true));
    this.initializers.push({ name, dims: [values.length], dataType: INT64, rawData: bytes });
    return name;
  }

  apply(opType: string, extraInputs: string[] = [], attribute: onnxProto.onnx.IAttributeProto[] = []): void {
    const name = `${opType}_${this.nodes.length}`;
    const output = `${name}_out`;
    this.nodes.push({ name, opType, input: [this.current, ...extraInputs], output: [output], attribute });
    this.current = output;
  }

  /** Names the last node's output as the graph output. */
  finish(output: string): void {
    if (this.nodes.length === 0) this.apply('Identity');
    this.nodes[this.nodes.length - 1].output = [output];
  }
}

function floatAttribute(name: string, f: number): onnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f };
}

function intsAttribute(name: string, ints: number[]): onnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints };
}

/** Permutes a row-major 4-D array: out[idx[perm[0]], …] — out's axis i is the input's axis perm[i]. */
function permute4(values: Float32Array, shape: number[], perm: number[]): Float32Array {
  const outShape = perm.map((axis) => shape[axis]);
  const strides = [shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3], 1];
  const out = new Float32Array(values.length);
  let o = 0;
  for (let a = 0; a < outShape[0]; a++) {
    for (let b = 0; b < outShape[1]; b++) {
      for (let c = 0; c < outShape[2]; c++) {
        for (let d = 0; d < outShape[3]; d++) {
          const idx = [a, b, c, d];
          let src = 0;
          for (let i = 0; i < 4; i++) src += idx[i] * strides[perm[i]];
          out[o++] = values[src];
        }
      }
    }
  }
  return out;
}

/** TensorFlow's 'same' padding before and after, along one axis of a convolution's input. */
function samePads(inSize: number, kernel: number, stride: number): [number, number] {
  const outSize = Math.ceil(inSize / stride);
  const total = Math.max((outSize - 1) * stride + kernel - inSize, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function emitReshape(chain: ChainBuilder, shape: number[], index: number): void {
  if (chain.nchw) chain.apply('Transpose', [], [intsAttribute('perm', [0, 2, 3, 1])]);
  chain.apply('Reshape', [chain.int64s(`reshape_${index}_shape`, [-1, ...shape])]);
  chain.nchw = shape.length === 3;
  if (chain.nchw) chain.apply('Transpose', [], [intsAttribute('perm', [0, 3, 1, 2])]);
}

function emitLayer(chain: ChainBuilder, layer: ExportLayer, index: number): void {
  switch (layer.kind) {
    case 'label':
      chain.apply('Concat', [ONNX_LABEL], [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }]);
      break;
    case 'reshape':
      emitReshape(chain, layer.shape, index);
      break;
    case 'conv2d':
    case 'conv2dTranspose': {
      if (!chain.nchw) throw new Error(`Layer ${index} (${layer.kind}) needs an image input; reshape first.`);
      const k = layer.kernelSize;
      const s = layer.stride;
      // tf.layers: conv2d [k, k, in, out] → ONNX Conv OIHW [out, in, k, k];
      // conv2dTranspose [k, k, out, in] → ONNX ConvTranspose IOHW [in, out, k, k]. Same permutation.
      const [a, b] = layer.kind === 'conv2d' ? [layer.inChannels, layer.filters] : [layer.filters, layer.inChannels];
      const kernel = chain.constant(`${layer.kind}_${index}_kernel`, [b, a, k, k], permute4(layer.kernel, [k, k, a, b], [3, 2, 0, 1]));
      const inputs = [kernel];
      if (layer.bias) inputs.push(chain.constant(`${layer.kind}_${index}_bias`, [layer.filters], layer.bias));
      // The transposed convolution's pads are those of the convolution it is the adjoint of,
      // whose input is the (s times larger) output.
      const scale = layer.kind === 'conv2d' ? 1 : s;
      const [top, bottom] = samePads(layer.inHeight * scale, k, s);
      const [left, right] = samePads(layer.inWidth * scale, k, s);
      chain.apply(layer.kind === 'conv2d' ? 'Conv' : 'ConvTranspose', inputs, [
        intsAttribute('kernel_shape', [k, k]),
        intsAttribute('strides', [s, s]),
        intsAttribute('pads', [top, left, bottom, right]),
      ]);
      break;
    }
    case 'dense': {
      // Gemm computes A·B + C; tf.layers' kernel [in, units] is already B's layout (transB = 0).
      const kernel = chain.constant(`dense_${index}_kernel`, [layer.inputSize, layer.units], layer.kernel);
      const inputs = [kernel];
      if (layer.bias) inputs.push(chain.constant(`dense_${index}_bias`, [layer.units], layer.bias));
      chain.apply('Gemm', inputs);
      break;
    }
    case 'leakyRelu':
      chain.apply('LeakyRelu', [], [floatAttribute('alpha', layer.alpha)]);
      break;
    case 'relu':
      chain.apply('Relu');
      break;
    case 'batchNorm': {
      // ONNX normalises axis 1: the features of a flat [N, C] value, the channels of NCHW.
      const tensors = { scale: layer.gamma, bias: layer.beta, mean: layer.mean, var: layer.variance };
      const inputs = Object.entries(tensors).map(([name, values]) => chain.constant(`batchNorm_${index}_${name}`, [layer.channels], values));
      chain.apply('BatchNormalization', inputs, [floatAttribute('epsilon', layer.epsilon)]);
      break;
    }
    case 'tanh':
      chain.apply('Tanh');
      break;
    case 'sigmoid':
      chain.apply('Sigmoid');
      break;
    default: {
      const unknown: never = layer;
      throw new Error(`The ONNX export has no conversion for ${JSON.stringify(unknown)}.`);
    }
  }
}

function metadata(info: GeneratorInfo, latentSize: number): onnxProto.onnx.IStringStringEntryProto[] {
  const manifest = makeManifest(info, latentSize);
  const entries: [string, string | number | null][] = [
    ['preset', manifest.preset],
    // The recipe's JSON, as manifest.json holds it: JSON.parse gives the recipe back.
    ['recipe', manifest.recipe && JSON.stringify(manifest.recipe)],
    ['epoch', manifest.epoch],
    ['step', manifest.step],
    ['seed', manifest.seed],
    ['latent_size', manifest.latentSize],
    ['noise', manifest.noise],
    ['label', manifest.label && `${ONNX_LABEL}: float32 [N, ${manifest.label.classes}], the digit to draw, one-hot`],
    ['output_size', manifest.outputSize],
    ['image_shape', manifest.imageShape.join('x')],
    ['pixel_range', `[${manifest.pixelRange.join(', ')}]`],
    ['format_version', manifest.formatVersion],
    ...Object.entries(manifest.metrics).map(([key, value]): [string, number] => [`metric.${key}`, value]),
  ];
  return entries
    .filter((entry): entry is [string, string | number] => entry[1] !== null)
    .map(([key, value]) => ({ key, value: String(value) }));
}

/** The ModelProto of a network, as a plain object of the onnx.proto message types. */
export function onnxModel(network: ExportNetwork, info: GeneratorInfo = {}): onnxProto.onnx.IModelProto {
  const chain = new ChainBuilder();
  network.layers.forEach((layer, index) => emitLayer(chain, layer, index));
  chain.finish(ONNX_OUTPUT);
  return {
    irVersion: onnx.Version.IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: PRODUCER_NAME,
    producerVersion,
    docString:
      `MNIST generator: ${ONNX_INPUT} float32 [N, ${network.inputSize}] drawn from a standard normal ` +
      `distribution${network.classes ? ` and ${ONNX_LABEL} float32 [N, ${network.classes}], the digit to draw, one-hot,` : ''} ` +
      `→ ${ONNX_OUTPUT} float32 [N, ${network.outputSize}], row-major 28x28 images in [-1, 1] (-1 is the background).`,
    graph: {
      name: 'generator',
      node: chain.nodes,
      initializer: chain.initializers,
      input: [floatInfo(ONNX_INPUT, network.inputSize), ...(network.classes ? [floatInfo(ONNX_LABEL, network.classes)] : [])],
      output: [floatInfo(ONNX_OUTPUT, network.outputSize)],
    },
    metadataProps: metadata(info, network.inputSize),
  };
}

/** ONNX ModelProto bytes of a generator (a fresh copy the caller may transfer). */
export async function exportGeneratorOnnx(
  source: GeneratorSource,
  info: GeneratorInfo = {},
): Promise<Uint8Array> {
  const network = await exportNetwork(source);
  const bytes = onnx.ModelProto.encode(onnxModel(network, info)).finish();
  return new Uint8Array(bytes);
}
