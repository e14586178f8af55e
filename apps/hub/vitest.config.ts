import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // With DATABASE_URL (npm run test:pg) each test hub has a schema on that server; this drops leftovers.
    globalSetup: ['src/test/pg-teardown.ts'],
  },
});
