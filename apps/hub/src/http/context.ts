import type { Role } from '@prometheus/protocol';
import type { Logger } from '../logger.js';

export interface AuthUser {
  id: string;
  username: string;
  email: string;
  role: Role;
  sessionId: string;
}

/** Hono environment of every hub route. */
export interface HubEnv {
  Variables: {
    user: AuthUser | undefined;
    requestId: string;
    log: Logger;
  };
}

/** The authenticated user of a route whose permission is not `public`. */
export function currentUser(c: { get(key: 'user'): AuthUser | undefined }): AuthUser {
  const user = c.get('user');
  if (!user) throw new Error('currentUser() called on a public route');
  return user;
}
