import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

// The hub's deployment signing key: ed25519, created once in `<data dir>/keys/` and kept. Agents pin the
// public key at enrollment and refuse any manifest it did not sign.
export const DEPLOY_KEY_FILE = 'deploy-ed25519.pem';

export interface DeploySigner {
  /** SPKI PEM of the public key (handed to agents at enrollment). */
  publicKeyPem: string;
  /** ed25519 signature of the bytes, base64. */
  sign(bytes: Uint8Array): string;
  verify(bytes: Uint8Array, signature: string): boolean;
}

function loadOrCreate(file: string): KeyObject {
  if (!fs.existsSync(file)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    // link fails if another process created the key first; then theirs is kept and ours dropped.
    try {
      fs.linkSync(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  const key = createPrivateKey(fs.readFileSync(file));
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${file} is not an ed25519 private key`);
  return key;
}

export function loadDeploySigner(keysDir: string): DeploySigner {
  const privateKey = loadOrCreate(path.join(keysDir, DEPLOY_KEY_FILE));
  const publicKey = createPublicKey(privateKey);
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign: (bytes) => sign(null, bytes, privateKey).toString('base64'),
    verify: (bytes, signature) => verify(null, bytes, publicKey, Buffer.from(signature, 'base64')),
  };
}
