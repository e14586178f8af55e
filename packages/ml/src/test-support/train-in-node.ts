// Run by training.test.ts as `node --import tsx` (outside vitest) to show the worker loads there too.
import { startTraining } from '../training/start-training.js';
import { syntheticTable } from './synthetic.js';

const epochs: number[] = [];
const handle = startTraining(
  { architecture: 'sentinel', hyperparameters: { epochs: 2, sequence_length: 10, batch_size: 32 }, data: syntheticTable(300, 1, [[200, 240]]) },
  { onEpoch: (p) => epochs.push(p.epoch) },
);
const result = await handle.result;
console.log(JSON.stringify({ status: result.status, epochs }));
