import { AdminCreateUserRequest, AdminUpdateUserRequest, AdminUser, AdminUserDetail, UsernameParam } from '@prometheus/protocol';
import { z } from 'zod';
import { currentUser } from '../../http/context.js';
import { defineRoute, errorDoc as err, type AnyRoute } from '../../http/route.js';
import type { UsersService } from './users-service.js';

const tag = 'Admin User Management';
const denied = err('Not an admin');

export function usersRoutes(users: UsersService): AnyRoute[] {
  return [
    defineRoute({
      method: 'get', path: '/api/v1/admin/users', tag, summary: 'All users with subscription tier and verification status',
      permission: 'users:manage',
      responses: { 200: { description: 'Users', schema: z.array(AdminUser) }, 401: err('Not logged in'), 403: denied },
      handler: async (c) => c.json(await users.list(), 200),
    }),
    defineRoute({
      method: 'post', path: '/api/v1/admin/users', tag, summary: 'Create a user (starts verified, Free tier)',
      permission: 'users:manage', body: AdminCreateUserRequest,
      responses: { 201: { description: 'Created', schema: AdminUser }, 400: err('Invalid input, field named'), 401: err('Not logged in'), 403: denied, 409: err('Username or email taken') },
      handler: async (c, { body }) => c.json(await users.create(body), 201),
    }),
    defineRoute({
      method: 'get', path: '/api/v1/admin/users/:username', tag, summary: 'A user with tier, MFA status and preferences',
      permission: 'users:manage', params: UsernameParam,
      responses: { 200: { description: 'User', schema: AdminUserDetail }, 401: err('Not logged in'), 403: denied, 404: err('No such user') },
      handler: async (c, { params }) => c.json(await users.get(params.username), 200),
    }),
    defineRoute({
      method: 'put', path: '/api/v1/admin/users/:username', tag, summary: 'Update role, email, password or verification; a new password or role revokes their tokens',
      permission: 'users:manage', params: UsernameParam, body: AdminUpdateUserRequest,
      responses: { 200: { description: 'Updated', schema: AdminUser }, 400: err('Invalid input, field named'), 401: err('Not logged in'), 403: denied, 404: err('No such user'), 409: err('Email taken, or the last admin would be demoted') },
      handler: async (c, { params, body }) => c.json(await users.update(params.username, body), 200),
    }),
    defineRoute({
      method: 'delete', path: '/api/v1/admin/users/:username', tag,
      summary: 'Delete a user: sessions, subscription, preferences, MFA, push tokens and codes go; their resources pass to the deleting admin',
      permission: 'users:manage', params: UsernameParam,
      responses: { 204: { description: 'Deleted' }, 401: err('Not logged in'), 403: denied, 404: err('No such user'), 409: err('Own account or the last admin') },
      handler: async (c, { params }) => {
        await users.delete(params.username, currentUser(c));
        return c.body(null, 204);
      },
    }),
  ];
}
