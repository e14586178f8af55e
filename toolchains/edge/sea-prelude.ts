// Runs before the entry inside the executable: every build answers --version the same way, whatever its entry,
// and V8 is told to spend less memory on generated code before the bundle's code first runs.
// (A single executable passes all of argv to the script: node's own --version never sees it.)
import v8 from 'node:v8';

/** Injected by the build (esbuild define). */
declare const __PROMETHEUS_EDGE_BUILD__: { executable: string; package: string; version: string } | undefined;

if (typeof __PROMETHEUS_EDGE_BUILD__ !== 'undefined' && process.argv[2] === '--version') {
  const build = __PROMETHEUS_EDGE_BUILD__;
  process.stdout.write(`${build.executable} ${build.version} (${build.package}; node ${process.version} ${process.platform}-${process.arch})\n`);
  process.exit(0);
}

// On a controller (and doubly under qemu, which translates every piece of generated ARM code again) machine
// code is memory. The agent is I/O-bound: Sparkplug's baseline code for every warm function and native
// regexp code buy it nothing; TurboFan stays for what is really hot (the model evaluator), later than usual.
// Measured with the agent under qemu-arm (bench/README.md): idle 166 -> 154 MB, model deployed 183 -> 169 MB.
v8.setFlagsFromString('--no-sparkplug');
v8.setFlagsFromString('--regexp-interpret-all');
v8.setFlagsFromString('--interrupt-budget=1000000');
// The young generation stays at its first size (1 MB semi-spaces) instead of growing to 8 MB ones when
// allocation is busy (deployments, catch-up syncs): at most a few more scavenges, ~14 MB less at the peak.
// Read at each grow, so setting it here works (unlike --max-semi-space-size, fixed when the heap is set up).
v8.setFlagsFromString('--semi-space-growth-factor=1');

export {};
