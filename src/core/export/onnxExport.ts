/**
 * A generator as an ONNX model (ModelProto bytes), encoded by protobufjs through the static
 * module `onnx-proto` generates from the official onnx.proto. Input `noise` float32 [N, 100],
 * output `image` float32 [N, 784] (a row-major 28x28 image in [-1, 1]); N is dynamic.
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
export const ONNX_OUTPUT = 'image';
/** The dynamic batch dimension's name. */
export const ONNX_BATCH = 'N';

const FLOAT = onnx.TensorProto.DataType.FLOAT;
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

  constant(name: string, dims: number[], values: Float32Array): string {
    this.initializers.push({ name, dims, dataType: FLOAT, rawData: rawFloats(values) });
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

function emitLayer(chain: ChainBuilder, layer: ExportLayer, index: number): void {
  switch (layer.kind) {
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

function metadata(info: GeneratorInfo): onnxProto.onnx.IStringStringEntryProto[] {
  const manifest = makeManifest(info);
  const entries: [string, string | number | null][] = [
    ['preset', manifest.preset],
    ['epoch', manifest.epoch],
    ['step', manifest.step],
    ['seed', manifest.seed],
    ['latent_size', manifest.latentSize],
    ['noise', manifest.noise],
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
      `distribution → ${ONNX_OUTPUT} float32 [N, ${network.outputSize}], row-major 28x28 images ` +
      'in [-1, 1] (-1 is the background).',
    graph: {
      name: 'generator',
      node: chain.nodes,
      initializer: chain.initializers,
      input: [floatInfo(ONNX_INPUT, network.inputSize)],
      output: [floatInfo(ONNX_OUTPUT, network.outputSize)],
    },
    metadataProps: metadata(info),
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
