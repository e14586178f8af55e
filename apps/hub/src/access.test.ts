import { describe, expect, it } from 'vitest';
import { canSeeAll, ownedOr404, visibleTo, type Actor } from './access.js';
import { AppError } from './errors.js';

const admin: Actor = { id: 'usr_admin', role: 'admin' };
const alice: Actor = { id: 'usr_alice', role: 'operator' };
const viewer: Actor = { id: 'usr_viewer', role: 'viewer' };
const alicesModel = { id: 'mdl_1', ownerId: alice.id };

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('access', () => {
  it('lets admins see everything and others their own', () => {
    expect([canSeeAll('admin'), canSeeAll('operator'), canSeeAll('viewer')]).toEqual([true, false, false]);
    expect(visibleTo(admin)).toBeUndefined();
    expect(visibleTo(alice)).toBe(alice.id);
    expect(visibleTo(viewer)).toBe(viewer.id);
  });

  it('returns the row to its owner and to admins', () => {
    expect(ownedOr404(alice, alicesModel, 'Model', alicesModel.id)).toBe(alicesModel);
    expect(ownedOr404(admin, alicesModel, 'Model', alicesModel.id)).toBe(alicesModel);
  });

  it("answers another user's row exactly as a missing one: 404 with the same message and details", () => {
    const other = refusal(() => ownedOr404(viewer, alicesModel, 'Model', alicesModel.id));
    const missing = refusal(() => ownedOr404(alice, undefined, 'Model', alicesModel.id));
    expect(other.code).toBe('NOT_FOUND');
    expect({ message: other.message, details: other.details }).toEqual({ message: missing.message, details: missing.details });
    expect(other.message).toBe('Model not found');
    expect(other.details).toBe("No model with id 'mdl_1'");
  });
});
