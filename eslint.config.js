// Lint enforces the module boundaries of design.md: apps -> packages through their exports,
// apps never import each other, protocol imports only zod, no process.env outside config.ts.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const deepPackageImport = {
  group: ['@prometheus/*/src/*', '**/packages/*/src/*', '../../packages/*'],
  message: 'Import a package through its exports ("@prometheus/x"), never its src/.',
};

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', 'data/**', 'apps/*/data/**', '**/.turbo/**', 'apps/hub/web/dist/**',
      'apps/hub/drizzle/**', 'test-artifacts/**', '**/*.js', '**/*.cjs', '**/*.mjs'],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': ['error', { maxDepth: 8 }],
      'no-restricted-imports': ['error', { patterns: [deepPackageImport] }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration in config.ts only.' }],
    },
  },
  {
    files: ['**/config.ts', '**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts', 'toolchains/**/*.ts', '**/vitest.config.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['packages/protocol/**/*.ts'],
    ignores: ['packages/protocol/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [deepPackageImport,
        { regex: '^(?!zod($|/)|\\.{1,2}/).*', message: 'protocol imports only zod.' }] }],
    },
  },
  {
    files: ['packages/**/*.ts'],
    ignores: ['packages/protocol/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [deepPackageImport,
        { group: ['@prometheus/hub', '@prometheus/edge-agent', '**/apps/**'], message: 'Packages never import apps.' }] }],
    },
  },
  {
    files: ['apps/hub/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [deepPackageImport,
        { group: ['@prometheus/edge-agent', '**/edge-agent/**'], message: 'Apps never import each other.' }] }],
    },
  },
  {
    // The store runs on SQLite and PostgreSQL (design.md "The store"): drizzle's SQLite-only executors and the
    // raw better-sqlite3 handle stay out of hub code; `await` the query, destructure `[row]`.
    files: ['apps/hub/src/**/*.ts'],
    ignores: ['apps/hub/src/db/**'],
    rules: {
      'no-restricted-syntax': ['error',
        { selector: 'CallExpression[arguments.length=0] > MemberExpression.callee[property.name=/^(get|all|run|values|pluck|prepare)$/][object.type="CallExpression"]',
          message: 'SQLite-only executor: await the query itself (const [row] = await db.select()...limit(1)).' },
        { selector: 'MemberExpression[property.name="sqlite"][object.property.name="store"]',
          message: 'The raw SQLite handle is not portable: use the repositories, or store.rows(sql`...`) in tests.' }],
    },
  },
  {
    files: ['apps/edge-agent/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [deepPackageImport,
        { group: ['@prometheus/hub', '**/apps/hub/**'], message: 'Apps never import each other.' },
        { group: ['**/toolchains/**'], message: 'The agent is built by toolchains/, never imports from it.' }] }],
    },
  },
  {
    // The console (browser code) reaches the hub over HTTP only: no hub or agent sources, no Node built-ins.
    // no-cycle stays within our files: walking into Vite's dist, its `node/` folder is taken for a resolver.
    files: ['apps/hub/web/**/*.ts', 'apps/hub/web/**/*.tsx'],
    rules: {
      'import-x/no-cycle': ['error', { maxDepth: 8, ignoreExternal: true }],
      'no-restricted-imports': ['error', { patterns: [deepPackageImport,
        { group: ['@prometheus/edge-agent', '**/edge-agent/**', '**/hub/src/**', '../../src/**'], message: 'The console talks to the hub over its API only.' }] }],
    },
  },
  {
    files: ['apps/hub/web/src/**/*.ts', 'apps/hub/web/src/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [deepPackageImport,
        { group: ['@prometheus/edge-agent', '**/edge-agent/**', '**/hub/src/**', '../../src/**'], message: 'The console talks to the hub over its API only.' },
        { regex: '^node:', message: 'Browser code: no Node built-ins.' }] }],
    },
  },
);
