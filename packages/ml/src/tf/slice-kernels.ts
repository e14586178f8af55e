import * as tf from '@tensorflow/tfjs';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';

// The wasm backend's Slice (and SplitV/Unpack, built on it) first copies the WHOLE input out of the
// wasm heap (readSync) and then takes the slice: unstacking a [60,64,256] tensor cost ~150 ms. These
// replacements read through a view of the heap, so a slice costs what it copies.

interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

type Args = Parameters<KernelFunc>[0];

function strides(shape: number[]): number[] {
  const out = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) out[i] = (out[i + 1] as number) * (shape[i + 1] as number);
  return out;
}

/** Copies x[begin : begin+size] row by row (the last axis is contiguous). */
export function sliceView(backend: WasmBackend, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  // Views are taken after makeOutput: an allocation may grow (and detach) the heap.
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const rank = x.shape.length;
  const xs = strides(x.shape);
  const row = size[rank - 1] as number;
  const rows = size.slice(0, -1).reduce((a, b) => a * b, 1);
  const index = new Array<number>(Math.max(rank - 1, 0)).fill(0);
  for (let r = 0; r < rows; r++) {
    let offset = begin[rank - 1] as number;
    for (let d = 0; d < rank - 1; d++) offset += ((begin[d] as number) + (index[d] as number)) * (xs[d] as number);
    dst.set(src.subarray(offset, offset + row), r * row);
    for (let d = rank - 2; d >= 0; d--) {
      index[d] = (index[d] as number) + 1;
      if ((index[d] as number) < (size[d] as number)) break;
      index[d] = 0;
    }
  }
  return out;
}

function sliceKernel(args: Args): TensorInfo {
  const x = args.inputs.x as TensorInfo;
  const attrs = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
  const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin, attrs.size);
  return sliceView(args.backend as unknown as WasmBackend, x, begin as number[], size as number[]);
}

function splitVKernel(args: Args): TensorInfo[] {
  const x = args.inputs.x as TensorInfo;
  const attrs = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number | number[] };
  const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0] as number;
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs.numOrSizeSplits, axis);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = [...x.shape];
    size[axis] = s;
    const part = sliceView(args.backend as unknown as WasmBackend, x, [...begin], size);
    begin[axis] = (begin[axis] as number) + s;
    return part;
  });
}

function unpackKernel(args: Args): TensorInfo[] {
  const value = args.inputs.value as TensorInfo;
  let axis = (args.attrs as unknown as { axis: number }).axis;
  if (axis < 0) axis += value.shape.length;
  const outShape = value.shape.filter((_, i) => i !== axis);
  const size = [...value.shape];
  size[axis] = 1;
  return Array.from({ length: value.shape[axis] as number }, (_, i) => {
    const begin = new Array<number>(value.shape.length).fill(0);
    begin[axis] = i;
    const part = sliceView(args.backend as unknown as WasmBackend, value, begin, size);
    return { dataId: part.dataId, dtype: part.dtype, shape: outShape };
  });
}

let patched = false;

export function patchWasmSlices(): void {
  if (patched) return;
  const replace = (kernelName: string, kernelFunc: KernelFunc): void => {
    const original = tf.getKernel(kernelName, 'wasm');
    if (!original) return;
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc, ...(original.setupFunc ? { setupFunc: original.setupFunc } : {}) });
  };
  // String tensors never reach these kernels in this package (all data is float32).
  replace('Slice', sliceKernel as KernelFunc);
  replace('SplitV', splitVKernel as unknown as KernelFunc);
  replace('Unpack', unpackKernel as unknown as KernelFunc);
  patched = true;
}
