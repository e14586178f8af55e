// A tiny ONNX model made at run time (no binary in git): y = Gemm(x, W, b), x [1,3] -> y [1,2].
// Encoded with onnx-proto (ONNX's protobuf schema compiled for protobufjs).
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export const GEMM_WEIGHTS = [0.5, -1, 2, 0.25, -0.75, 1.5]; // W, 3x2, row-major
export const GEMM_BIAS = [0.1, -0.2];
export const GEMM_INPUT = [1.5, -2, 0.5];

/** The expected output, computed without ONNX: x W + b. */
export function referenceGemm(x: readonly number[]): number[] {
  return GEMM_BIAS.map((bias, j) => x.reduce((sum, xi, i) => sum + xi * (GEMM_WEIGHTS[i * 2 + j] ?? NaN), bias));
}

function floatInfo(name: string, dims: number[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((dimValue) => ({ dimValue })) } } },
  });
}

export function gemmModel(): Uint8Array {
  const float = onnx.TensorProto.DataType.FLOAT;
  const graph = onnx.GraphProto.create({
    name: 'prometheus-edge-smoke',
    node: [onnx.NodeProto.create({ opType: 'Gemm', input: ['x', 'W', 'b'], output: ['y'] })],
    initializer: [
      onnx.TensorProto.create({ name: 'W', dataType: float, dims: [3, 2], floatData: GEMM_WEIGHTS }),
      onnx.TensorProto.create({ name: 'b', dataType: float, dims: [2], floatData: GEMM_BIAS }),
    ],
    input: [floatInfo('x', [1, 3])],
    output: [floatInfo('y', [1, 2])],
  });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'prometheus-toolchains',
    opsetImport: [{ domain: '', version: 13 }],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}
