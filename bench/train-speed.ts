// Training speed of lstm_autoencoder in tfjs (this package; wasm backend unless tfjs-node is
// installed) next to the PyTorch CPU anchor (shared/bench/torch_lstm_anchor.py), same machine, same
// run, repetitions interleaved (tfjs, torch, tfjs, torch...) so a change in machine load hits both.
// Model: LSTM(8->64) encoder, last hidden -> Linear 64->32->64 (our bottleneck; the anchor has none),
// repeated over 60 steps, LSTM(64->64) decoder, Linear(64->8); MSE; Adam 1e-3; batch 64.
//   node --import tsx bench/train-speed.ts      env: SAMPLES=1024 REPS=5 BATCH=64 PYTHON=/usr/bin/python3
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createSpeedTrainer } from '@prometheus/ml';

const samples = Number(process.env.SAMPLES ?? 1024);
const reps = Number(process.env.REPS ?? 5);
const batch = Number(process.env.BATCH ?? 64);
const python = process.env.PYTHON ?? '/usr/bin/python3';
const anchor = process.env.TORCH_ANCHOR ?? fileURLToPath(new URL('../../shared/bench/torch_lstm_anchor.py', import.meta.url));

const median = (xs: number[]): number | null => (xs.length ? ([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number) : null);
const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' ');

async function torchPass(): Promise<{ rate: number; header: string } | { error: string }> {
  if (!existsSync(anchor)) return { error: `anchor not found at ${anchor}` };
  try {
    const { stdout } = await promisify(execFile)(python, [anchor, 'ae', String(samples), String(batch)], { timeout: 120_000 });
    const m = /RESULT .*samples_per_s=(\d+(?:\.\d+)?)/.exec(stdout);
    return m ? { rate: Number(m[1]), header: stdout.split('\n')[0] ?? '' } : { error: stdout };
  } catch (error) {
    return { error: `${(error as Error).message.split('\n')[0]} (install: flock /tmp/prom-apt.lock apt-get install -y --no-install-recommends python3-torch)` };
  }
}

console.log(`load average at start: ${load()} (2 cores; other work on the machine skews both figures)`);
const trainer = await createSpeedTrainer({ samples, batch });
console.log(`tfjs backend=${trainer.backend} params=${trainer.parameters} samples/rep=${samples} batch=${batch}`);
const tfjsRates: number[] = [];
const torchRates: number[] = [];
let torchError: string | null = null;
for (let r = 0; r < reps; r++) {
  tfjsRates.push(trainer.pass(samples));
  const t = torchError ? null : await torchPass();
  if (t && 'error' in t) torchError = t.error;
  else if (t) {
    if (r === 0) console.log(t.header);
    torchRates.push(t.rate);
  }
  console.log(`rep ${r + 1}: tfjs ${tfjsRates[r]!.toFixed(0)} samples/s, torch ${torchRates[r]?.toFixed(0) ?? 'n/a'} samples/s (load ${load()})`);
}
trainer.dispose();
const tfjs = median(tfjsRates) as number;
const torch = median(torchRates);
if (torchError) console.log(`PyTorch anchor did not run: ${torchError}`);
console.log('');
console.log(`| trainer | samples/s (median of ${reps}) |`);
console.log('|---|---|');
console.log(`| tfjs ${trainer.backend} (@prometheus/ml) | ${tfjs.toFixed(0)} |`);
console.log(`| PyTorch CPU, 2 threads | ${torch === null ? 'n/a' : torch.toFixed(0)} |`);
if (torch !== null) console.log(`ratio tfjs/PyTorch = ${(tfjs / torch).toFixed(2)}x`);
