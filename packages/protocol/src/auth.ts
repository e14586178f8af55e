import { z } from 'zod';
import { Email, IsoTime, Password, Role, TotpCode, Username } from './common.js';

export const LoginRequest = z.object({
  username: z.string().trim().min(1, 'is required').max(254),
  password: z.string().min(1, 'is required').max(1024),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const UserSummary = z.object({
  id: z.string(),
  username: z.string(),
  email: z.string(),
  role: Role,
});
export type UserSummary = z.infer<typeof UserSummary>;

export const LoginResponse = z.object({
  token: z.string().describe('Opaque bearer token; when mfa_required it is accepted nowhere until /auth/mfa/validate'),
  user: UserSummary,
  email_verified: z.boolean(),
  mfa_required: z.boolean(),
});
export type LoginResponse = z.infer<typeof LoginResponse>;

export const SessionResponse = z.object({
  valid: z.literal(true),
  user: z.object({ id: z.string(), username: z.string(), role: Role }),
});

export const SignupRequest = z.object({ username: Username, email: Email, password: Password });
export type SignupRequest = z.infer<typeof SignupRequest>;

export const SignupResponse = z.object({ message: z.string(), user_id: z.string() });

export const VerifyEmailRequest = z.object({
  email: Email,
  code: z.string().trim().regex(/^\d{6}$/, 'must be the 6-digit code from the email'),
});

export const EmailOnlyRequest = z.object({ email: Email });

export const ResetPasswordRequest = z.object({
  token: z.string().trim().min(1, 'is required').max(256),
  new_password: Password,
});

export const ChangePasswordRequest = z.object({
  current_password: z.string().min(1, 'is required').max(1024),
  new_password: Password,
});

export const MeResponse = z.object({
  id: z.string(),
  username: z.string(),
  email: z.string(),
  role: Role,
  created_at: IsoTime,
});

export const MfaValidateRequest = z.object({ username: z.string().trim().min(1, 'is required').max(254), code: TotpCode });
export const MfaValidateResponse = z.object({ message: z.string(), token: z.string() });

export const MfaSetupResponse = z.object({
  secret: z.string(),
  provisioning_uri: z.string(),
  qr_code: z.string().describe('PNG data URL of the provisioning URI'),
});

export const MfaCodeRequest = z.object({ code: TotpCode });
