import {
  ChangePasswordRequest, EmailOnlyRequest, LoginRequest, LoginResponse, MeResponse, MessageResponse, MfaValidateRequest,
  MfaValidateResponse, ResetPasswordRequest, SessionResponse, SignupRequest, SignupResponse, VerifyEmailRequest,
} from '@prometheus/protocol';
import type { Context } from 'hono';
import { clientIp } from '../../http/client-ip.js';
import { currentUser, type HubEnv } from '../../http/context.js';
import { bearerToken } from '../../http/mount.js';
import { defineRoute, errorDoc, type AnyRoute } from '../../http/route.js';
import { isoTime } from '../../ids.js';
import type { MfaService } from '../mfa/mfa-service.js';
import type { UsersRepo } from '../users/repo.js';
import type { AuthService } from './auth-service.js';

const tag = 'Authentication';
const err = errorDoc;
const bad = err('Invalid input, field named');

export function authRoutes(deps: { auth: AuthService; mfa: MfaService; usersRepo: UsersRepo; trustProxy: boolean }): AnyRoute[] {
  const { auth } = deps;
  const meta = (c: Context<HubEnv>) => ({ ip: clientIp(c, deps.trustProxy), userAgent: c.req.header('user-agent') });
  return [
    defineRoute({
      method: 'post', path: '/api/v1/auth/login', tag, summary: 'Log in with username (or email) and password',
      permission: 'public', rateLimit: 'login', body: LoginRequest,
      responses: { 200: { description: 'Token issued', schema: LoginResponse }, 400: bad, 401: err('Invalid credentials'), 403: err('Email not verified'), 429: err('Rate limit exceeded') },
      handler: async (c, { body }) => c.json(await auth.login(body, meta(c)), 200),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/auth/logout', tag, summary: 'Revoke the current token', permission: 'account:self',
      responses: { 200: { description: 'Logged out', schema: MessageResponse }, 401: err('Token invalid or expired') },
      handler: async (c) => {
        await auth.logout(currentUser(c));
        return c.json({ message: 'Logged out' }, 200);
      },
    }),
    defineRoute({
      method: 'get', path: '/api/v1/auth/session', tag, summary: 'Validate the current token', permission: 'account:self',
      responses: { 200: { description: 'Token valid', schema: SessionResponse }, 401: err('Token invalid or expired') },
      handler: (c) => {
        const u = currentUser(c);
        return c.json({ valid: true as const, user: { id: u.id, username: u.username, role: u.role } }, 200);
      },
    }),
    defineRoute({
      method: 'post', path: '/api/v1/auth/signup', tag, summary: 'Register; a Free subscription is created and a 6-digit code emailed',
      permission: 'public', rateLimit: 'login', body: SignupRequest,
      responses: { 201: { description: 'Account created', schema: SignupResponse }, 400: err('Username taken, invalid email or password too short'), 429: err('Rate limit exceeded') },
      handler: async (c, { body }) => {
        const user = await auth.signup(body);
        return c.json({ message: 'Account created. Check your email for verification code.', user_id: user.username }, 201);
      },
    }),
    defineRoute({
      method: 'post', path: '/api/v1/auth/verify-email', tag, summary: 'Verify the email address with the 6-digit code',
      permission: 'public', rateLimit: 'login', body: VerifyEmailRequest,
      responses: { 200: { description: 'Verified', schema: MessageResponse }, 400: err('Invalid or expired code (15-minute expiry)'), 429: err('Rate limit exceeded') },
      handler: async (c, { body }) => {
        await auth.verifyEmail(body.email, body.code);
        return c.json({ message: 'Email verified successfully' }, 200);
      },
    }),
    defineRoute({
      method: 'post', path: '/api/v1/auth/resend-verification', tag, summary: 'Send a new verification code',
      permission: 'public', rateLimit: 'login', body: EmailOnlyRequest,
      responses: { 200: { description: 'Sent when the account exists and is unverified', schema: MessageResponse }, 400: bad, 429: err('Rate limit exceeded') },
      handler: async (c, { body }) => {
        await auth.resendVerification(body.email);
        return c.json({ message: 'Verification code sent' }, 200);
      },
    }),
    defineRoute({
      method: 'post', path: '/api/v1/auth/forgot-password', tag, summary: 'Email a reset token; never reveals whether the address exists',
      permission: 'public', rateLimit: 'login', body: EmailOnlyRequest,
      responses: { 200: { description: 'Always the same answer', schema: MessageResponse }, 400: bad, 429: err('Rate limit exceeded') },
      handler: async (c, { body }) => {
        await auth.forgotPassword(body.email);
        return c.json({ message: 'If an account exists with that email, a reset link has been sent.' }, 200);
      },
    }),
    defineRoute({
      method: 'post', path: '/api/v1/auth/reset-password', tag, summary: 'Set a new password with the emailed token; all sessions are revoked',
      permission: 'public', rateLimit: 'login', body: ResetPasswordRequest,
      responses: { 200: { description: 'Password reset', schema: MessageResponse }, 400: err('Invalid or expired token (30-minute expiry)'), 429: err('Rate limit exceeded') },
      handler: async (c, { body }) => {
        await auth.resetPassword(body.token, body.new_password);
        return c.json({ message: 'Password reset successfully' }, 200);
      },
    }),
    defineRoute({
      method: 'get', path: '/api/v1/auth/me', tag, summary: "The current user's profile", permission: 'account:self',
      responses: { 200: { description: 'Profile', schema: MeResponse }, 401: err('Token invalid or expired') },
      handler: async (c) => {
        const user = await deps.usersRepo.findById(currentUser(c).id);
        if (!user) throw new Error('session user vanished');
        return c.json({ id: user.id, username: user.username, email: user.email, role: user.role, created_at: isoTime(user.createdAt) }, 200);
      },
    }),
    defineRoute({
      method: 'put', path: '/api/v1/auth/change-password', tag, summary: 'Change the password; other sessions are revoked',
      permission: 'account:self', body: ChangePasswordRequest,
      responses: {
        200: { description: 'Changed', schema: MessageResponse }, 400: err('Current password wrong or new one too short'), 401: err('Token invalid or expired'),
        429: err('Too many wrong current passwords: locked for 15 minutes (Retry-After)'),
      },
      handler: async (c, { body }) => {
        await auth.changePassword(currentUser(c), body.current_password, body.new_password);
        return c.json({ message: 'Password changed successfully' }, 200);
      },
    }),
    defineRoute({
      method: 'post', path: '/api/v1/auth/mfa/validate', tag, summary: 'Second login step: a TOTP code for a session token',
      description: 'Send the MFA-pending token from /auth/login as the bearer token to bind this step to that login; without it the newest pending login of the user is used.',
      permission: 'public', rateLimit: 'login', body: MfaValidateRequest,
      responses: { 200: { description: 'Session granted', schema: MfaValidateResponse }, 400: err('Invalid code'), 401: err('No pending MFA login'), 429: err('Rate limit exceeded') },
      handler: async (c, { body }) => {
        const token = await deps.mfa.validateLogin(body.username, body.code, bearerToken(c.req.header('authorization')), meta(c));
        return c.json({ message: 'MFA validated', token }, 200);
      },
    }),
  ];
}
