import fs from 'node:fs';
import { z } from 'zod';

// What enrollment leaves in the state dir: the device's identity and where its hub is.
export const Credentials = z.object({
  device_id: z.string().min(1),
  device_secret: z.string().min(1),
  target_name: z.string(),
  hub_url: z.string().url(),
  mqtt_url: z.string().min(1),
  ws_url: z.string().min(1),
  enrolled_at: z.string(),
  /** The hub's ed25519 public key (SPKI PEM), pinned at enrollment: only manifests it signed are installed. */
  hub_public_key: z.string().optional(),
});
export type Credentials = z.infer<typeof Credentials>;

export function readCredentials(file: string): Credentials | undefined {
  if (!fs.existsSync(file)) return undefined;
  const parsed = Credentials.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file} is damaged: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  return parsed.data;
}

/** Written to a temporary file and renamed, mode 0600: never half a secret on disk. */
export function writeCredentials(file: string, creds: Credentials): void {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}
