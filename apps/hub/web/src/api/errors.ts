import { ApiError } from './client.js';

// Every error the hub sends, in words a facility engineer understands: what happened, and what to do.
export interface ErrorText {
  title: string;
  message: string;
  hint?: string;
}

export interface ErrorContext {
  /** What the user was doing, e.g. "connect" (an external source) or "upload". */
  action?: 'connect' | 'upload' | 'login' | 'deploy';
  /** Where the hub was asked to connect (a URL, host or file), named in connector failures. */
  source?: string;
}

/** `equipment_type` -> "Equipment type"; `time_range.start` -> "Time range start". */
export function fieldLabel(field: string): string {
  const words = field.replace(/[._]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** "'name' is required; 'password' must be at least 8 characters" -> one sentence per field. */
export function validationProblems(text: string): string[] {
  return text.split(/;\s*/).map((p) => p.trim()).filter(Boolean).map((p) => {
    const m = /^'([^']+)'\s+(.*)$/.exec(p);
    return m ? `${fieldLabel(m[1]!)} ${m[2]!.replace(/\.$/, '')}.` : `${p.charAt(0).toUpperCase()}${p.slice(1).replace(/\.$/, '')}.`;
  });
}

/** Reads `Limit: max_datasets; tier: free; upgrade to: pro` from a TIER_LIMIT's details. */
function tierHint(details: string | undefined): string {
  const upgrade = /upgrade to:\s*(\w+)/i.exec(details ?? '')?.[1];
  return upgrade && upgrade !== 'none'
    ? `Upgrade to the ${upgrade} plan on the Billing page, or ask an administrator to change your plan.`
    : 'Remove something you no longer need, or ask an administrator about a larger plan.';
}

function connectText(err: ApiError, where: string): ErrorText | undefined {
  if (err.code === 'UPSTREAM_FAILED' || err.status === 502) {
    return { title: `Could not reach the database at ${where}`, message: err.details ?? err.message,
      hint: 'Check the address, port and credentials, and that the hub is allowed to connect there.' };
  }
  if (err.code === 'UPSTREAM_TIMEOUT' || err.status === 504) {
    return { title: `The database at ${where} took too long to answer`, message: err.details ?? err.message,
      hint: 'Try a narrower time range or a smaller query.' };
  }
  return undefined;
}

const byCode: Record<string, (err: ApiError) => ErrorText> = {
  NETWORK_ERROR: () => ({ title: 'The hub cannot be reached', message: 'The request did not get an answer.', hint: 'Check that the hub is running and that this computer is online.' }),
  VALIDATION_ERROR: (e) => {
    const problems = validationProblems(e.details ?? e.message.replace(/^Invalid [^:]+:\s*/, ''));
    return { title: 'Please check the form', message: problems.join(' ') };
  },
  INVALID_CREDENTIALS: () => ({ title: 'Wrong username or password', message: 'The username or password you entered is not right.', hint: 'Use "Forgot password" to set a new one.' }),
  EMAIL_NOT_VERIFIED: () => ({ title: 'Email not verified yet', message: 'Enter the 6-digit code we emailed you to finish creating your account.' }),
  INVALID_CODE: () => ({ title: 'That code did not work', message: 'The code is wrong or has expired.', hint: 'Authenticator codes change every 30 seconds; enter the current one.' }),
  INVALID_TOKEN: (e) => ({ title: 'This link or token is no longer valid', message: e.message, hint: 'Request a new one; each can be used once and expires.' }),
  UNAUTHORIZED: () => ({ title: 'Please sign in', message: 'Your session has ended or is not valid.' }),
  MFA_REQUIRED: () => ({ title: 'Two-factor code needed', message: 'Enter the code from your authenticator app to finish signing in.' }),
  FORBIDDEN: (e) => ({ title: 'Not allowed for your role', message: e.message, hint: 'Ask an administrator if you need this.' }),
  TIER_LIMIT: (e) => ({ title: 'Plan limit reached', message: e.message, hint: tierHint(e.details) }),
  NOT_FOUND: (e) => /^No route for/.test(e.details ?? '')
    ? { title: 'This hub does not offer this yet', message: `The hub has no ${e.details!.replace(/^No route for /, '')} route.`, hint: 'Update the hub to a version that includes it.' }
    : { title: e.message, message: 'It may have been deleted, or it belongs to another user.' },
  CONFLICT: (e) => ({ title: e.message, message: e.details ?? 'It is in a state that does not allow this right now.' }),
  PAYLOAD_TOO_LARGE: (e) => ({ title: 'The file is too large', message: e.message, hint: 'Split the file, or ask an administrator to raise the limit.' }),
  UNSUPPORTED_MEDIA_TYPE: (e) => ({ title: 'Unsupported file', message: e.details ?? e.message }),
  RATE_LIMITED: (e) => ({ title: 'Too many requests', message: `Please wait ${e.retryAfter ? `${e.retryAfter} seconds` : 'a minute'} and try again.` }),
  SERVICE_UNAVAILABLE: (e) => ({ title: e.message, message: e.details ?? 'This feature is not set up on this hub.' }),
  UPSTREAM_FAILED: (e) => ({ title: e.message, message: e.details ?? 'A service the hub depends on did not answer.' }),
  UPSTREAM_TIMEOUT: (e) => ({ title: e.message, message: e.details ?? 'A service the hub depends on took too long.' }),
  INTERNAL_ERROR: (e) => ({ title: 'Something went wrong on the hub', message: 'The hub could not finish this request.', hint: e.details ? `Give your administrator this reference: ${e.details}.` : 'Try again; if it keeps failing, tell your administrator.' }),
};

export function describeError(err: unknown, ctx: ErrorContext = {}): ErrorText {
  if (!(err instanceof ApiError)) {
    return { title: 'Something went wrong', message: err instanceof Error ? err.message : String(err) };
  }
  if (ctx.action === 'connect') {
    const text = connectText(err, ctx.source ?? 'the given address');
    if (text) return text;
  }
  const mapped = byCode[err.code]?.(err);
  if (mapped) return mapped;
  return { title: err.message || `The hub answered ${err.status}`, message: err.details ?? '' };
}
