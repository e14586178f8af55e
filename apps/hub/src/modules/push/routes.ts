import { MessageResponse, PushRegisterRequest } from '@prometheus/protocol';
import { currentUser } from '../../http/context.js';
import { defineRoute, errorDoc as err, type AnyRoute } from '../../http/route.js';
import type { PushService } from './push-service.js';

const tag = 'Push Notifications';

export function pushRoutes(push: PushService): AnyRoute[] {
  return [
    defineRoute({
      method: 'post', path: '/api/v1/push/register', tag,
      summary: "Register an Expo push token for the current user's device",
      description: 'Notifications follow the preference notifications_enabled. A token registered again is refreshed; by another user, it moves to them.',
      permission: 'account:self', body: PushRegisterRequest,
      responses: { 200: { description: 'Registered', schema: MessageResponse }, 400: err('Not an Expo push token, or a bad platform'), 401: err('Not logged in') },
      handler: async (c, { body }) => {
        await push.register(currentUser(c).id, body);
        return c.json({ message: 'Push token registered' }, 200);
      },
    }),
  ];
}
