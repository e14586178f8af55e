import type { Hono } from 'hono';
import type { UpgradeWebSocket } from 'hono/ws';
import type { WebSocket } from 'ws';
import type { RolloutDetail } from '@prometheus/protocol';
import { AppError } from '../../errors.js';
import type { AuthUser, HubEnv } from '../../http/context.js';
import { bearerToken } from '../../http/mount.js';
import { roleAllows } from '../../http/permissions.js';
import type { RolloutsService } from './rollouts-service.js';

// WebSocket /ws/rollouts/:id: the rollout's detail at once and after every change the engine makes (the
// console's live progress). As for training, the token may come as `?token=`; refusals are HTTP answers.
export const ROLLOUT_WS_PATH = '/ws/rollouts/:id';

export function mountRolloutSocket(app: Hono<HubEnv>, upgradeWebSocket: UpgradeWebSocket<WebSocket>, deps: { authenticate(token: string): Promise<AuthUser>; rollouts: RolloutsService }): void {
  app.get(ROLLOUT_WS_PATH, async (c, next) => {
    const token = bearerToken(c.req.header('authorization')) ?? c.req.query('token');
    if (!token) throw new AppError('UNAUTHORIZED', 'Authentication required', { details: 'Send Authorization: Bearer <token> or ?token=<token>' });
    const user = await deps.authenticate(token);
    if (!roleAllows(user.role, 'data:read')) throw new AppError('FORBIDDEN', `Your role '${user.role}' may not do this`);
    await deps.rollouts.get(c.req.param('id'), user);
    c.set('user', user);
    await next();
  }, upgradeWebSocket((c) => {
    const id = c.req.param('id') as string;
    const user = c.get('user') as AuthUser;
    let unsubscribe: (() => void) | undefined;
    let closed = false;
    return {
      async onOpen(_event, ws) {
        const send = (d: RolloutDetail) => {
          if (ws.readyState === 1) ws.send(JSON.stringify(d));
        };
        const off = await deps.rollouts.watch(id, user, send).catch(() => undefined);
        if (closed) off?.();
        else unsubscribe = off;
      },
      onClose() {
        closed = true;
        unsubscribe?.();
      },
    };
  }));
}
