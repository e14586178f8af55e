import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

// Seals small secrets that must be read back (TOTP secrets) with a key created once in the data dir.
// Hashing is not an option for them: verifying a TOTP code needs the secret itself.
export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
}

export function loadSecretBox(keysDir: string): SecretBox {
  const file = path.join(keysDir, 'secret-box.key');
  if (!fs.existsSync(file)) {
    fs.writeFileSync(file, randomBytes(32), { mode: 0o600, flag: 'wx' });
  }
  const key = fs.readFileSync(file);
  if (key.length !== 32) throw new Error(`${file} is not a 32-byte key`);
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
    },
    open(sealed) {
      const [version, iv, tag, data] = sealed.split('.');
      if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('sealed secret has an unknown format');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
