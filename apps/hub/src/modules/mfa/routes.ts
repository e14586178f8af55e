import { MessageResponse, MfaCodeRequest, MfaSetupResponse } from '@prometheus/protocol';
import { currentUser } from '../../http/context.js';
import { defineRoute, errorDoc, type AnyRoute } from '../../http/route.js';
import type { MfaService } from './mfa-service.js';

const tag = 'MFA';
const err = errorDoc;

export function mfaRoutes(mfa: MfaService): AnyRoute[] {
  return [
    defineRoute({
      method: 'post', path: '/api/v1/mfa/setup', tag, summary: 'New TOTP secret, provisioning URI and QR code (PNG data URL)',
      permission: 'account:self',
      responses: { 200: { description: 'Secret generated', schema: MfaSetupResponse }, 401: err('Not logged in'), 409: err('MFA already enabled') },
      handler: async (c) => c.json(await mfa.setup(currentUser(c)), 200),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/mfa/verify', tag, summary: 'Confirm a code from the authenticator and enable MFA',
      permission: 'account:self', body: MfaCodeRequest,
      responses: { 200: { description: 'Enabled', schema: MessageResponse }, 400: err('Invalid code or setup not started'), 401: err('Not logged in'), 409: err('MFA already enabled') },
      handler: async (c, { body }) => {
        await mfa.enable(currentUser(c), body.code);
        return c.json({ message: 'MFA enabled successfully' }, 200);
      },
    }),
    defineRoute({
      method: 'post', path: '/api/v1/mfa/disable', tag, summary: 'Disable MFA with a current code',
      permission: 'account:self', body: MfaCodeRequest,
      responses: { 200: { description: 'Disabled', schema: MessageResponse }, 400: err('Invalid code or MFA not enabled'), 401: err('Not logged in') },
      handler: async (c, { body }) => {
        await mfa.disable(currentUser(c), body.code);
        return c.json({ message: 'MFA disabled' }, 200);
      },
    }),
  ];
}
