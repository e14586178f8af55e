import * as tf from '@tensorflow/tfjs';
import { patchWasmMatMul } from './matmul-transpose.js';
import { registerWasmCellKernels } from './rnn-cell-kernels.js';
import { patchWasmSlices } from './slice-kernels.js';

export type BackendName = 'tensorflow' | 'wasm';

let ready: Promise<BackendName> | undefined;

// tfjs-node is optional: it downloads libtensorflow at install, which our build machines cannot.
// A dynamic import through a variable keeps bundlers and tsc from requiring it.
async function tryNode(): Promise<boolean> {
  const name = '@tensorflow/tfjs-node';
  try {
    await import(name);
    return await tf.setBackend('tensorflow');
  } catch {
    return false;
  }
}

async function select(prefer?: BackendName): Promise<BackendName> {
  if (prefer !== 'wasm' && (await tryNode())) return 'tensorflow';
  await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend failed to initialize');
  await tf.ready();
  patchWasmMatMul();
  patchWasmSlices();
  registerWasmCellKernels();
  return 'wasm';
}

/** Selects the training backend once per thread: tfjs-node when installed, else wasm (tested default). */
export function initBackend(prefer?: BackendName): Promise<BackendName> {
  ready ??= select(prefer);
  return ready;
}

export { tf };
