import { Preferences, PreferencesUpdate, ProfileResponse } from '@prometheus/protocol';
import { currentUser } from '../../http/context.js';
import { defineRoute, errorDoc as err, type AnyRoute } from '../../http/route.js';
import type { ProfileService } from './profile-service.js';

const tag = 'User Profile';

export function profileRoutes(profile: ProfileService): AnyRoute[] {
  return [
    defineRoute({
      method: 'get', path: '/api/v1/profile', tag, summary: "The authenticated user's profile", permission: 'account:self',
      responses: { 200: { description: 'Profile', schema: ProfileResponse }, 401: err('Not logged in') },
      handler: async (c) => c.json(await profile.get(currentUser(c).id), 200),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/profile/preferences', tag, summary: 'Notification settings, theme, defaults', permission: 'account:self',
      responses: { 200: { description: 'Preferences (defaults filled in)', schema: Preferences }, 401: err('Not logged in') },
      handler: async (c) => c.json(await profile.preferences(currentUser(c).id), 200),
    }),
    defineRoute({
      method: 'put', path: '/api/v1/profile/preferences', tag, summary: 'Update any subset of the preferences', permission: 'account:self',
      body: PreferencesUpdate,
      responses: { 200: { description: 'The preferences after the update', schema: Preferences }, 400: err('Invalid input, field named'), 401: err('Not logged in') },
      handler: async (c, { body }) => c.json(await profile.updatePreferences(currentUser(c).id, body), 200),
    }),
  ];
}
