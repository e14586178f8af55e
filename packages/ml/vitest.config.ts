import { defineConfig } from 'vitest/config';

// Training and ONNX parity tests are CPU-bound: generous timeouts, and files run one at a time so
// they do not fight over the machine's two cores (and the training workers they spawn).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
