// The hub's whole schema; each domain keeps its tables in its own file here.
export * from './accounts.js';
export * from './datasets.js';
export * from './fleet.js';
export * from './billing.js';
export * from './push.js';
export * from './agent.js';
export * from './training.js';
export * from './models.js';
export * from './evaluations.js';
export * from './deployments.js';
export * from './points.js';
export * from './diagnoses.js';
export * from './rollouts.js';
export * from './edge-watch.js';
