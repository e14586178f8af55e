// Plain-JS entry of the diagnosis worker: worker threads get neither vitest's transform nor, on Node 20,
// a reliable `--import` loader, so the worker registers tsx itself (as the evaluation worker does).
import { register } from 'tsx/esm/api';

register();
await import('./diagnose-worker.ts');
