import type { ComponentFactory } from '../agent.js';
import { createInferenceRuntime, type InferenceRuntime } from '../runtime/inference-runtime.js';
import { createDeployer } from './deployer.js';

/** The agent's extras for deployments: the inference runtime first (it scores), then the package receiver. */
export function deploymentComponents(): ComponentFactory[] {
  let runtime: InferenceRuntime | undefined;
  return [
    (ctx) => (runtime = createInferenceRuntime(ctx)),
    (ctx) => {
      if (!runtime) throw new Error('the runtime component must be created before the deployer');
      return createDeployer(ctx, runtime);
    },
  ];
}
