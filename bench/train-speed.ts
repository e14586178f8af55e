// Training speed of lstm_autoencoder in tfjs (this package, wasm backend unless tfjs-node is
// installed) next to the PyTorch CPU anchor (shared/bench/torch_lstm_anchor.py) on the same machine,
// in the same run. Model: LSTM(8->64) encoder, last hidden -> bottleneck 32 -> 64, repeated over 60
// steps, LSTM(64->64) decoder, Linear(64->8); MSE; Adam 1e-3; batch 64. Median of REPS repetitions.
//   node --import tsx bench/train-speed.ts            (env: SAMPLES=1024 REPS=3 BATCH=64 PYTHON=/usr/bin/python3)
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { benchTrainingSpeed } from '@prometheus/ml';

const samples = Number(process.env.SAMPLES ?? 1024);
const reps = Number(process.env.REPS ?? 3);
const batch = Number(process.env.BATCH ?? 64);
const python = process.env.PYTHON ?? '/usr/bin/python3';
const anchor = process.env.TORCH_ANCHOR ?? fileURLToPath(new URL('../../shared/bench/torch_lstm_anchor.py', import.meta.url));

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function torchRate(): Promise<number | null> {
  if (!existsSync(anchor)) {
    console.log(`PyTorch anchor not found at ${anchor}`);
    return null;
  }
  const rates: number[] = [];
  for (let r = 0; r < reps; r++) {
    try {
      const { stdout } = await promisify(execFile)(python, [anchor, 'ae', String(samples), String(batch)], { timeout: 120_000 });
      const m = /RESULT .*samples_per_s=(\d+(?:\.\d+)?)/.exec(stdout);
      if (!m) throw new Error(stdout);
      if (r === 0) console.log(stdout.split('\n')[0]);
      rates.push(Number(m[1]));
    } catch (error) {
      console.log(`PyTorch anchor did not run (${(error as Error).message.split('\n')[0]}); install: flock /tmp/prom-apt.lock apt-get install -y --no-install-recommends python3-torch`);
      return null;
    }
  }
  return median(rates);
}

const tfjs = await benchTrainingSpeed({ samples, batch, reps, onRep: (r, rate) => console.log(`tfjs rep ${r + 1}: ${rate.toFixed(0)} samples/s`) });
console.log(`tfjs backend=${tfjs.backend} params=${tfjs.parameters} samples=${samples} batch=${batch}`);
const torch = await torchRate();
console.log('');
console.log('| trainer | samples/s (median of ' + reps + ') |');
console.log('|---|---|');
console.log(`| tfjs (${tfjs.backend}) | ${tfjs.samplesPerSecond.toFixed(0)} |`);
console.log(`| PyTorch CPU | ${torch === null ? 'n/a' : torch.toFixed(0)} |`);
if (torch !== null) console.log(`ratio tfjs/PyTorch = ${(tfjs.samplesPerSecond / torch).toFixed(2)}x`);
