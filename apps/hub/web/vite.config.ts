import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The admin console: Preact through Vite's own JSX transform (no Babel preset), built into web/dist,
// which the hub serves at `/` (apps/hub/src/http/console.ts). `npm start` rebuilds it when its sources change.
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:3030', '/ws': { target: 'ws://127.0.0.1:3030', ws: true }, '/mqtt': { target: 'ws://127.0.0.1:3030', ws: true } },
  },
});
