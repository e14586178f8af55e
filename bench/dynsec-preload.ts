import { pbkdf2Sync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { deviceAcls, deviceRole } from '../apps/hub/src/mqtt/dynsec.js';

// Devices written into Mosquitto's dynamic-security file while Mosquitto is stopped: the same client and role the
// hub creates over $CONTROL at enrollment (apps/hub/src/mqtt/dynsec.ts), in the plugin's own file format.
// Why the bench needs it: Mosquitto 2.0 (Debian ships 2.0.11) rewrites the whole file after every successful
// command, even several in one $CONTROL message, so enrolling 10,000 devices one by one costs time quadratic in
// the fleet (bench/README.md). Mosquitto reads the file once, at start.

/** Mosquitto 2.0's password hash (plugins/dynamic-security/auth.c): PBKDF2-HMAC-SHA512, 12-byte salt, 101 rounds. */
const ITERATIONS = 101;
const SALT_BYTES = 12;

interface DynsecFile { clients?: unknown[]; roles?: unknown[]; [key: string]: unknown }

export function deviceEntries(device: { id: string; secret: string }): { client: unknown; role: unknown } {
  const salt = randomBytes(SALT_BYTES);
  const hash = pbkdf2Sync(device.secret, salt, ITERATIONS, 64, 'sha512');
  const rolename = deviceRole(device.id);
  return {
    role: { rolename, acls: deviceAcls(device.id).map((a) => ({ ...a, priority: a.priority ?? 0 })) },
    client: {
      username: device.id, clientid: device.id, password: hash.toString('base64'), salt: salt.toString('base64'),
      iterations: ITERATIONS, roles: [{ rolename, priority: -1 }],
    },
  };
}

/** Adds the devices to `file` (written by `mosquitto_ctrl dynsec init`, Mosquitto not running); answers its size. */
export function preloadDevices(file: string, devices: { id: string; secret: string }[]): number {
  const state = JSON.parse(fs.readFileSync(file, 'utf8')) as DynsecFile;
  const entries = devices.map(deviceEntries);
  state.roles = [...(state.roles ?? []), ...entries.map((e) => e.role)];
  state.clients = [...(state.clients ?? []), ...entries.map((e) => e.client)];
  const text = JSON.stringify(state, null, '\t');
  fs.writeFileSync(`${file}.new`, text, { mode: 0o600 });
  fs.renameSync(`${file}.new`, file);
  return text.length;
}
