import { defineConfig } from 'vitest/config';

// Cross-app end-to-end tests, upstream fakes and their conformance tests.
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
