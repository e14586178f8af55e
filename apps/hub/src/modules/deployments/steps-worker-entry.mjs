// Plain-JS entry of the deployment steps worker: worker threads get neither vitest's transform nor, on
// Node 20, a reliable `--import` loader, so the worker registers tsx itself, then loads the TS code.
import { register } from 'tsx/esm/api';

register();
await import('./steps-worker.ts');
