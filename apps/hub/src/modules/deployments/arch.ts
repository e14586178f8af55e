// What a target's architecture string means for a deployment. Agents report Node's `process.arch` ('arm'
// for the armv7 executable, 'x64', 'arm64'); people may type 'armv7', 'armhf' or a Rust-style triple.
export const EDGE_ARCHES = ['armv7', 'arm64', 'x64'] as const;
export type EdgeArch = (typeof EDGE_ARCHES)[number];

export function normalizeArch(arch: string | null | undefined): EdgeArch | undefined {
  const a = (arch ?? '').trim().toLowerCase();
  if (a === '') return undefined;
  if (a === 'arm64' || a.startsWith('aarch64')) return 'arm64';
  if (a === 'arm' || a === 'armhf' || a === 'arm32' || a.startsWith('armv7')) return 'armv7';
  if (a === 'x64' || a.startsWith('x86_64') || a === 'amd64') return 'x64';
  return undefined;
}

/**
 * The ONNX runtime the target's agent runs a model with by default: armv7 has no onnxruntime-node binary, and
 * its executable uses the JavaScript evaluator (onnxruntime-web's wasm costs ~150 MB there; an agent may still
 * choose it, and its health check tolerates the last-bit differences between runtimes).
 */
export function targetRuntime(arch: EdgeArch | undefined): 'onnxruntime-node' | 'onnx-js' {
  return arch === 'armv7' ? 'onnx-js' : 'onnxruntime-node';
}
