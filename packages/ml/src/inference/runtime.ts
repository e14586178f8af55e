// Chooses the ONNX runtime: onnxruntime-node where it has a binary (x64, arm64), else
// onnxruntime-web's wasm build (armv7 has no onnxruntime-node binary); or, asked for by name, the small
// JavaScript evaluator of our own exports (onnx-js.ts), for devices where memory counts most. No tfjs here.

/** The subset of onnxruntime's API both packages share and this module uses. */
export interface OrtTensor {
  data: unknown;
  dims: readonly number[];
}
export interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release?(): Promise<void>;
}
export interface OrtModule {
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => OrtTensor;
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
  env: { wasm: { wasmBinary?: ArrayBufferLike | Uint8Array; numThreads?: number; wasmPaths?: string | Record<string, string> } };
}

export type RuntimeName = 'onnxruntime-node' | 'onnxruntime-web' | 'onnx-js';

export interface RuntimeOptions {
  /** 'auto' (default): node when it loads, else web; 'onnx-js' only when named. */
  runtime?: 'auto' | RuntimeName;
  /** The ort-wasm-simd-threaded.wasm bytes, for a single executable that ships the file beside it. */
  wasmBinary?: Uint8Array;
}

async function loadNode(): Promise<OrtModule | null> {
  try {
    const mod = (await import('onnxruntime-node')) as unknown as OrtModule & { default?: OrtModule };
    return mod.InferenceSession ? mod : (mod.default ?? null);
  } catch {
    return null;
  }
}

async function loadWeb(wasmBinary?: Uint8Array): Promise<OrtModule> {
  const mod = (await import('onnxruntime-web')) as unknown as OrtModule & { default?: OrtModule };
  const ort = mod.InferenceSession ? mod : (mod.default as OrtModule);
  // One thread: the edge controller is small and its agent has other work; also deterministic.
  ort.env.wasm.numThreads = 1;
  if (wasmBinary) ort.env.wasm.wasmBinary = wasmBinary;
  return ort;
}

export async function loadRuntime(options: RuntimeOptions = {}): Promise<{ name: RuntimeName; ort: OrtModule }> {
  const want = options.runtime ?? 'auto';
  if (want === 'onnx-js') return { name: 'onnx-js', ort: (await import('./onnx-js.js')).onnxJs };
  if (want !== 'onnxruntime-web') {
    const node = await loadNode();
    if (node) return { name: 'onnxruntime-node', ort: node };
    if (want === 'onnxruntime-node') throw new Error('onnxruntime-node is not available on this platform');
  }
  return { name: 'onnxruntime-web', ort: await loadWeb(options.wasmBinary) };
}
