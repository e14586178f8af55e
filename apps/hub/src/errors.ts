// One error type for the whole hub. It carries a code and knows nothing of HTTP: the transports
// (HTTP onError, MQTT hooks, WebSocket frames) translate it once each.
export const ERROR_CODES = {
  VALIDATION_ERROR: 400,
  INVALID_JSON: 400,
  BAD_REQUEST: 400,
  INVALID_CURRENT_PASSWORD: 400,
  INVALID_CODE: 400,
  INVALID_TOKEN: 400,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  MFA_REQUIRED: 401,
  EMAIL_NOT_VERIFIED: 403,
  FORBIDDEN: 403,
  TIER_LIMIT: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  HEADERS_TOO_LARGE: 431,
  INTERNAL_ERROR: 500,
  NOT_IMPLEMENTED: 501,
  UPSTREAM_FAILED: 502,
  SERVICE_UNAVAILABLE: 503,
  UPSTREAM_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface AppErrorOptions {
  details?: string;
  cause?: unknown;
  /** Extra response headers, e.g. Retry-After. */
  headers?: Record<string, string>;
  /** An answer the hub gives by design (e.g. billing not configured), not a fault: logged at info, no stack. */
  expected?: boolean;
}

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  readonly details: string | undefined;
  readonly headers: Record<string, string> | undefined;
  readonly expected: boolean;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.details = options.details;
    this.headers = options.headers;
    this.expected = options.expected ?? false;
  }

  get status(): number {
    return ERROR_CODES[this.code];
  }
}

export const notFound = (what: string, id?: string) =>
  new AppError('NOT_FOUND', `${what} not found`, id ? { details: `No ${what.toLowerCase()} with id '${id}'` } : {});

export const badRequest = (message: string, details?: string) =>
  new AppError('BAD_REQUEST', message, details ? { details } : {});

export const forbidden = (message = 'Forbidden', details?: string) =>
  new AppError('FORBIDDEN', message, details ? { details } : {});
