import { pino, type Logger } from 'pino';

export type { Logger };

// Structured logs; secrets never reach them (redacted by path as a second line of defence).
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'prometheus-hub' },
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'req.headers.authorization', 'secret', '*.secret',
        'new_password', 'current_password', '*.api_key', 'api_key'],
      censor: '[redacted]',
    },
  });
}
