import { z } from 'zod';

/** The contract's error body: `{error, code, details}`. */
export const ErrorBody = z.object({
  error: z.string(),
  code: z.string(),
  details: z.string().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const MessageResponse = z.object({ message: z.string() });
export type MessageResponse = z.infer<typeof MessageResponse>;

/** ISO 8601 UTC time as the contract writes it, e.g. 2026-03-06T12:00:00Z. */
export const IsoTime = z.string().describe('ISO 8601 UTC time');

export const Role = z.enum(['admin', 'operator', 'viewer']);
export type Role = z.infer<typeof Role>;

export const EquipmentType = z.enum(['air_handler', 'boiler', 'pump', 'chiller', 'fan_coil', 'steam']);
export type EquipmentType = z.infer<typeof EquipmentType>;

export const Tier = z.enum(['free', 'pro', 'enterprise']);
export type Tier = z.infer<typeof Tier>;

// C0 and C1 controls (NUL, newlines, escapes), DEL, and the bidirectional embeddings, overrides and isolates
// that make a name display as something else ("Trojan Source"): never part of a name someone chose.
const UNSAFE_IN_NAMES = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

/** A user-chosen name or label (dataset, target, run, device...): trimmed, 1..max characters, no control or bidi-override characters. */
export const displayName = (max: number) => z
  .string()
  .refine((s) => !UNSAFE_IN_NAMES.test(s), 'must not contain control or bidirectional-override characters')
  .trim()
  .min(1, 'is required')
  .max(max);

export const Username = z
  .string()
  .trim()
  .min(3, 'must be at least 3 characters')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'may contain letters, digits, dot, dash and underscore');

export const Email = z.string().trim().toLowerCase().max(254).pipe(z.email('must be a valid email address'));

export const Password = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(1024, 'must be at most 1024 characters');

export const TotpCode = z.string().trim().regex(/^\d{6}$/, 'must be a 6-digit code');

/** Path parameter `:id`. */
export const IdParam = z.object({ id: z.string().min(1).max(128) });
