import { z } from 'zod';
import { displayName } from './common.js';

// Push Notifications (docs/api.md): Expo push tokens of the user's devices.
export const ExpoPushToken = z
  .string()
  .trim()
  .max(256)
  .regex(/^Expo(nent)?PushToken\[[A-Za-z0-9_-]{10,200}\]$/, 'must be an Expo push token such as ExponentPushToken[xxxxxxxxxxxxxxxxxxxxxx]');

export const PushPlatform = z.enum(['ios', 'android', 'web']);

export const PushRegisterRequest = z.object({
  token: ExpoPushToken,
  platform: PushPlatform,
  device_name: displayName(100).optional(),
}).strict();
export type PushRegisterRequest = z.infer<typeof PushRegisterRequest>;
