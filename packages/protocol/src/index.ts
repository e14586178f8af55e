// Every REST body and response of the contract, and every MQTT message, as zod schemas.
export * from './common.js';
export * from './auth.js';
export * from './profile.js';
export * from './admin.js';
export * from './system.js';
export * from './mqtt.js';
export * from './fleet.js';
export * from './datasets.js';
export * from './billing.js';
export * from './push.js';
export * from './connectors.js';
export * from './agent.js';
export * from './training.js';
export * from './models.js';
export * from './evaluations.js';
export * from './deployments.js';
export * from './points.js';
