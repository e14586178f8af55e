import type { Hono } from 'hono';
import type { UpgradeWebSocket, WSContext } from 'hono/ws';
import type { WebSocket } from 'ws';
import { AppError } from '../../errors.js';
import type { AuthUser, HubEnv } from '../../http/context.js';
import { bearerToken } from '../../http/mount.js';
import { roleAllows } from '../../http/permissions.js';
import type { LiveMessage } from './live.js';
import type { TrainingService } from './training-service.js';

// WebSocket /ws/training/:id: `epoch_update` per epoch, then `training_complete` (at once for a run that
// already ended) and a normal close. Browsers cannot set headers on a WebSocket, so the bearer token is
// also taken from `?token=`. Refusals (401, 403, 404) are HTTP answers before the upgrade.
export const TRAINING_WS_PATH = '/ws/training/:id';

export interface TrainingSocketDeps {
  authenticate(token: string): Promise<AuthUser>;
  training: TrainingService;
}

export function mountTrainingSocket(app: Hono<HubEnv>, upgradeWebSocket: UpgradeWebSocket<WebSocket>, deps: TrainingSocketDeps): void {
  app.get(TRAINING_WS_PATH, async (c, next) => {
    const token = bearerToken(c.req.header('authorization')) ?? c.req.query('token');
    if (!token) throw new AppError('UNAUTHORIZED', 'Authentication required', { details: 'Send Authorization: Bearer <token> or ?token=<token>' });
    const user = await deps.authenticate(token);
    if (!roleAllows(user.role, 'data:read')) throw new AppError('FORBIDDEN', `Your role '${user.role}' may not do this`);
    await deps.training.watch(c.req.param('id'), user);
    c.set('user', user);
    await next();
  }, upgradeWebSocket((c) => {
    const runId = c.req.param('id') as string;
    const user = c.get('user') as AuthUser;
    let unsubscribe: (() => void) | undefined;
    let finished = false;
    const send = (ws: WSContext<WebSocket>, message: LiveMessage) => {
      if (finished || ws.readyState !== 1) return;
      ws.send(JSON.stringify(message));
      if (message.type === 'training_complete') {
        finished = true;
        unsubscribe?.();
        ws.close(1000, 'training complete');
      }
    };
    return {
      async onOpen(_event, ws) {
        // Subscribe first, then look: a run that ended in between is answered from the store.
        unsubscribe = deps.training.live.subscribe(runId, (m) => send(ws, m));
        const { complete } = await deps.training.watch(runId, user).catch(() => ({ complete: null }));
        if (complete) send(ws, complete);
      },
      onClose() {
        unsubscribe?.();
      },
    };
  }));
}
