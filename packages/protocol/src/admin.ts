import { z } from 'zod';
import { Email, IsoTime, Password, Role, Tier, Username } from './common.js';
import { Preferences } from './profile.js';

export const AdminUser = z.object({
  id: z.string(),
  username: z.string(),
  email: z.string(),
  role: Role,
  email_verified: z.boolean(),
  mfa_enabled: z.boolean(),
  tier: Tier,
  created_at: IsoTime,
  updated_at: IsoTime,
});
export type AdminUser = z.infer<typeof AdminUser>;

export const AdminUserDetail = AdminUser.extend({ preferences: Preferences });

export const AdminCreateUserRequest = z.object({
  username: Username,
  email: Email,
  password: Password,
  role: Role.default('viewer'),
});

export const AdminUpdateUserRequest = z
  .object({ email: Email, password: Password, role: Role, email_verified: z.boolean() })
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'at least one of email, password, role, email_verified is required');

export const UsernameParam = z.object({ username: z.string().min(1).max(64) });
