import { describe, expect, it } from 'vitest';
import { ApiError } from '../../apps/hub/web/src/api/client.js';
import { describeError, fieldLabel, validationProblems } from '../../apps/hub/web/src/api/errors.js';

// The console's words for the hub's errors: each code says what happened and what to do.
describe('console error messages', () => {
  it('names every bad field of a validation error', () => {
    const err = new ApiError(400, 'VALIDATION_ERROR', "Invalid request body: 'name' is required", "'name' is required; 'equipment_type' must be one of air_handler, boiler");
    const text = describeError(err);
    expect(text.title).toBe('Please check the form');
    expect(text.message).toBe('Name is required. Equipment type must be one of air_handler, boiler.');
    expect(validationProblems("unknown field(s): colour")).toEqual(['Unknown field(s): colour.']);
    expect(fieldLabel('time_range.start')).toBe('Time range start');
  });

  it('says which plan limit was reached and how to lift it', () => {
    const err = new ApiError(403, 'TIER_LIMIT', 'Dataset limit reached: the free tier allows 5; the pro tier lifts it (50)', 'Limit: max_datasets; tier: free; upgrade to: pro');
    const text = describeError(err);
    expect(text.title).toBe('Plan limit reached');
    expect(text.message).toContain('the free tier allows 5');
    expect(text.hint).toContain('Upgrade to the pro plan on the Billing page');
  });

  it('names the database a connector could not reach or that timed out', () => {
    const refused = describeError(new ApiError(502, 'UPSTREAM_FAILED', 'Failed to connect to PostgreSQL', 'connect ECONNREFUSED 127.0.0.1:5999'), { action: 'connect', source: '127.0.0.1:5999' });
    expect(refused.title).toBe('Could not reach the database at 127.0.0.1:5999');
    expect(refused.message).toBe('connect ECONNREFUSED 127.0.0.1:5999');
    const slow = describeError(new ApiError(504, 'UPSTREAM_TIMEOUT', 'PostgreSQL query timed out'), { action: 'connect', source: 'db.example:5432' });
    expect(slow.title).toBe('The database at db.example:5432 took too long to answer');
  });

  it('turns sign-in, rate limit, network and server failures into plain words', () => {
    expect(describeError(new ApiError(401, 'INVALID_CREDENTIALS', 'Invalid credentials')).title).toBe('Wrong username or password');
    expect(describeError(new ApiError(429, 'RATE_LIMITED', 'Too many requests', undefined, 42)).message).toBe('Please wait 42 seconds and try again.');
    expect(describeError(new ApiError(0, 'NETWORK_ERROR', 'x')).title).toBe('The hub cannot be reached');
    const internal = describeError(new ApiError(500, 'INTERNAL_ERROR', 'Internal server error', 'request id abc'));
    expect(internal.hint).toBe('Give your administrator this reference: request id abc.');
    expect(describeError(new ApiError(404, 'NOT_FOUND', 'Dataset not found')).message).toBe('It may have been deleted, or it belongs to another user.');
    expect(describeError(new ApiError(404, 'NOT_FOUND', 'Not found', 'No route for GET /api/v1/deployments')).title).toBe('This hub does not offer this yet');
    expect(describeError(new ApiError(409, 'CONFLICT', 'Dataset is locked', 'Unlock it first')).title).toBe('Dataset is locked');
  });

  it('keeps the hub message for codes it does not know, and plain errors as they are', () => {
    expect(describeError(new ApiError(418, 'TEAPOT', 'I am a teapot', 'short and stout'))).toEqual({ title: 'I am a teapot', message: 'short and stout' });
    expect(describeError(new Error('The two passwords do not match.'))).toEqual({ title: 'Something went wrong', message: 'The two passwords do not match.' });
  });
});
