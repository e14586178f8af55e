import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeArch, targetRuntime } from './arch.js';
import { DEPLOY_KEY_FILE, loadDeploySigner } from './signing.js';

describe('deployment signing key', () => {
  it('is created once in the keys dir (0600) and kept across loads', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-keys-'));
    const a = loadDeploySigner(dir);
    const b = loadDeploySigner(dir);
    expect(b.publicKeyPem).toBe(a.publicKeyPem);
    expect(a.publicKeyPem).toContain('BEGIN PUBLIC KEY');
    expect(fs.statSync(path.join(dir, DEPLOY_KEY_FILE)).mode & 0o777).toBe(0o600);
    const bytes = Buffer.from('{"deployment_id":"dep_x"}');
    const sig = a.sign(bytes);
    expect(b.verify(bytes, sig)).toBe(true);
    expect(b.verify(Buffer.from('{"deployment_id":"dep_y"}'), sig)).toBe(false);
    const other = loadDeploySigner(fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-keys-')));
    expect(other.verify(bytes, sig)).toBe(false);
  });
});

describe('target architectures', () => {
  it('maps what agents and people write to the executable and the runtime', () => {
    for (const a of ['arm', 'armv7', 'armv7l', 'armhf', 'armv7-unknown-linux-musleabihf', 'ARMv7']) expect(normalizeArch(a)).toBe('armv7');
    for (const a of ['x64', 'x86_64', 'amd64']) expect(normalizeArch(a)).toBe('x64');
    for (const a of ['arm64', 'aarch64']) expect(normalizeArch(a)).toBe('arm64');
    expect(normalizeArch(null)).toBeUndefined();
    expect(normalizeArch('mips')).toBeUndefined();
    expect(targetRuntime('armv7')).toBe('onnx-js');
    expect(targetRuntime('x64')).toBe('onnxruntime-node');
  });
});
