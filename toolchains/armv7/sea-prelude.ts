// Runs before the entry inside the executable: every build answers --version the same way, whatever its entry.
// (A single executable passes all of argv to the script: node's own --version never sees it.)

/** Injected by the build (esbuild define). */
declare const __PROMETHEUS_EDGE_BUILD__: { executable: string; package: string; version: string } | undefined;

if (typeof __PROMETHEUS_EDGE_BUILD__ !== 'undefined' && process.argv[2] === '--version') {
  const build = __PROMETHEUS_EDGE_BUILD__;
  process.stdout.write(`${build.executable} ${build.version} (${build.package}; node ${process.version} ${process.platform}-${process.arch})\n`);
  process.exit(0);
}

export {};
