#!/usr/bin/env node
// Development entry of the edge agent (`npx prometheus-edge`): runs the TypeScript sources through tsx.
// Controllers run the armv7 single executable built from src/main.ts instead (toolchains/armv7).
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
