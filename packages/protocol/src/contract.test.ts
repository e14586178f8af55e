import { describe, expect, it } from 'vitest';
import { ErrorBody, LoginRequest, LoginResponse, TrainingHyperparametersInput, TrainingStartRequest } from './index.js';

// The contract's own examples (docs/api.md) parse with the schemas the hub validates and documents with.
describe('the contract examples', () => {
  it('login request and answer', () => {
    expect(LoginRequest.parse({ username: 'admin', password: 'your_password' })).toEqual({ username: 'admin', password: 'your_password' });
    const answer = { token: 'opaque_bearer_token_here', user: { id: 'usr_abc123', username: 'admin', email: 'admin@example.com', role: 'admin' }, email_verified: true, mfa_required: false };
    expect(LoginResponse.parse(answer)).toEqual(answer);
    expect(LoginResponse.safeParse({ ...answer, user: { ...answer.user, role: 'root' } }).success).toBe(false);
  });

  it('the error format', () => {
    expect(ErrorBody.parse({ error: 'Error description', code: 'ERROR_CODE', details: 'Additional context (optional)' }).code).toBe('ERROR_CODE');
    expect(ErrorBody.parse({ error: 'Not found', code: 'NOT_FOUND' }).details).toBeUndefined();
    expect(ErrorBody.safeParse({ error: 'no code' }).success).toBe(false);
  });

  it('training start: partial hyperparameters, unknown keys refused', () => {
    const body = { dataset_id: 'ds_abc123', architecture: 'lstm_autoencoder', hyperparameters: { epochs: 30, learning_rate: 0.001 } };
    expect(TrainingStartRequest.parse(body)).toEqual(body);
    expect(TrainingHyperparametersInput.safeParse({ epoch: 30 }).success).toBe(false);
    expect(TrainingStartRequest.safeParse({ ...body, architecture: 'transformer' }).success).toBe(false);
    expect(TrainingStartRequest.safeParse({ ...body, extra: true }).success).toBe(false);
  });
});
