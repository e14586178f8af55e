// Plain-JS entry of the evaluation worker: worker threads get neither vitest's transform nor, on Node 20,
// a reliable `--import` loader, so the worker registers tsx itself (as @prometheus/ml's training worker does).
import { register } from 'tsx/esm/api';

register();
await import('./score-worker.ts');
