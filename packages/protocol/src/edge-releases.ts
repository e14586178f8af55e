import { z } from 'zod';

// The edge agent's single executables the hub holds (`npm run build:edge` into EDGE_BUILD_DIR), one per arch.
export const EdgeReleaseArch = z.enum(['armv7', 'arm64', 'x64']);
export type EdgeReleaseArch = z.infer<typeof EdgeReleaseArch>;

export const EdgeRelease = z.object({
  arch: EdgeReleaseArch,
  version: z.string().describe('The agent version the executable prints with --version'),
  sha256: z.string().describe('Of the executable, from its build manifest (also the x-content-sha256 of GET /deployments/:id/binary)'),
  size_bytes: z.number().int(),
});
export type EdgeRelease = z.infer<typeof EdgeRelease>;

export const EdgeReleaseList = z.array(EdgeRelease);
