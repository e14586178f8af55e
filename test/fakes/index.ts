// Upstream fakes for cross-app and hub tests; see README.md for each fake's source and controls.
export * from './aegis-db.js';
export * from './hardware-daemon.js';
export * from './influxdb3.js';
export * from './spacetimedb.js';
export * from './mongodb-data-api.js';
export * from './stripe.js';
export * from './expo-push.js';
export * from './openai-chat.js';
export * from './emqx-api.js';
export type { DropMode, FakeHandle, FaultControls, RecordedRequest } from './shared/http-fake.js';
