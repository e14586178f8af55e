// Training speed of lstm_autoencoder in tfjs (this package; wasm backend unless tfjs-node is
// installed) next to the PyTorch CPU anchor (bench/anchors/torch_lstm_anchor.py), same machine, same
// run, repetitions interleaved (tfjs, torch, tfjs, torch...) so a change in machine load hits both.
// Model: LSTM(8->64) encoder, last hidden -> Linear 64->32->64 (our bottleneck; the anchor has none),
// repeated over 60 steps, LSTM(64->64) decoder, Linear(64->8); MSE; Adam 1e-3; batch 64.
// PyTorch runs twice per repetition: as the anchor is written (2 threads) and held to 1 thread (our
// wasm backend is single-threaded in Node; under machine load PyTorch's 2 threads degrade far more).
//   node --import tsx bench/train-speed.ts      env: SAMPLES=512 REPS=3 BATCH=64 PYTHON=/usr/bin/python3
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createSpeedTrainer } from '@prometheus/ml';

const samples = Number(process.env.SAMPLES ?? 512);
const reps = Number(process.env.REPS ?? 3);
const batch = Number(process.env.BATCH ?? 64);
const python = process.env.PYTHON ?? '/usr/bin/python3';
const anchor = process.env.TORCH_ANCHOR ?? fileURLToPath(new URL('./anchors/torch_lstm_anchor.py', import.meta.url));

const median = (xs: number[]): number | null => (xs.length ? ([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number) : null);
const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' ');

// One thread: pin torch to 1 and make the anchor's own set_num_threads(2) a no-op, then run it as is.
const ONE_THREAD = 'import runpy, sys, torch; torch.set_num_threads(1); torch.set_num_threads = lambda n: None; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name="__main__")';

async function torchPass(threads: 1 | 2): Promise<{ rate: number; header: string } | { error: string }> {
  if (!existsSync(anchor)) return { error: `anchor not found at ${anchor}` };
  const args = [anchor, 'ae', String(samples), String(batch)];
  try {
    const { stdout } = await promisify(execFile)(python, threads === 2 ? args : ['-c', ONE_THREAD, ...args], { timeout: 300_000 });
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
const torchRates: Record<1 | 2, number[]> = { 1: [], 2: [] };
let torchError: string | null = null;
for (let r = 0; r < reps; r++) {
  tfjsRates.push(trainer.pass(samples));
  for (const threads of [2, 1] as const) {
    const t: Awaited<ReturnType<typeof torchPass>> | null = torchError ? null : await torchPass(threads);
    if (t && 'error' in t) torchError = t.error;
    else if (t) {
      if (r === 0 && threads === 2) console.log(t.header);
      torchRates[threads].push(t.rate);
    }
  }
  const f = (x: number | undefined): string => x?.toFixed(0) ?? 'n/a';
  console.log(`rep ${r + 1}: tfjs ${f(tfjsRates[r])}, torch 2 threads ${f(torchRates[2][r])}, torch 1 thread ${f(torchRates[1][r])} samples/s (load ${load()})`);
}
trainer.dispose();
const tfjs = median(tfjsRates) as number;
if (torchError) console.log(`PyTorch anchor did not run: ${torchError}`);
console.log('');
console.log(`| trainer | samples/s (median of ${reps}) | tfjs / this |`);
console.log('|---|---|---|');
console.log(`| tfjs ${trainer.backend} (@prometheus/ml), 1 thread | ${tfjs.toFixed(0)} | |`);
for (const threads of [2, 1] as const) {
  const t = median(torchRates[threads]);
  console.log(`| PyTorch CPU, ${threads} thread${threads === 2 ? 's (the anchor as written)' : ''} | ${t === null ? 'n/a' : t.toFixed(0)} | ${t === null ? 'n/a' : `${(tfjs / t).toFixed(2)}x`} |`);
}
