import { describe, expect, it } from 'vitest';
import type { AuthContext } from '../../src/auth/auth-context.ts';
import {
  breakGlassScopesFor,
  invokeBreakGlass,
  isBreakGlassActive,
  maxBreakGlassReasonLength,
  type BreakGlassPolicy,
} from '../../src/auth/break-glass.ts';
import { FhirError } from '../../src/fhir/fhir-error.ts';

const policy: BreakGlassPolicy = {
  roles: ['physician', 'nurse'],
  scopes: ['user/*.read'],
  durationMinutes: 60,
};
const now = new Date('2030-01-01T10:00:00Z');

function failureOf(run: () => unknown): FhirError {
  try {
    run();
  } catch (error) {
    if (error instanceof FhirError) return error;
    throw error;
  }
  throw new Error('expected a FhirError');
}

describe('invokeBreakGlass', () => {
  it('grants the policy scopes, normalized, for the configured time', () => {
    const grant = invokeBreakGlass(policy, {
      roles: ['nurse'],
      reason: '  Unresponsive in ED ',
      now,
    });
    expect(grant).toEqual({
      reason: 'Unresponsive in ED',
      grantedAt: now,
      expiresAt: new Date('2030-01-01T11:00:00Z'),
      scopes: ['user/*.rs'],
    });
  });

  it.each([
    ['missing', undefined],
    ['not text', 42],
    ['blank', ' \n '],
    ['too long', 'x'.repeat(maxBreakGlassReasonLength + 1)],
    ['carrying control characters', 'cardiac arrest\u0000'],
  ])('refuses a reason that is %s', (_why, reason) => {
    const error = failureOf(() => invokeBreakGlass(policy, { roles: ['physician'], reason, now }));
    expect(error.kind).toBe('invalidInput');
  });

  it.each([[['billing']], [['admin', 'patient']], [[]]])('refuses roles %j', (roles) => {
    const error = failureOf(() => invokeBreakGlass(policy, { roles, reason: 'code blue', now }));
    expect(error.kind).toBe('forbidden');
  });

  it('keeps the reason out of the error it raises', () => {
    const reason = `Qzxvbrmt ${'y'.repeat(maxBreakGlassReasonLength)}`;
    const error = failureOf(() => invokeBreakGlass(policy, { roles: ['nurse'], reason, now }));
    expect(JSON.stringify(error.toOperationOutcome())).not.toContain('Qzxvbrmt');
  });
});

describe('breakGlassScopesFor', () => {
  const auth = (roles: string[], expiresAt: Date): AuthContext => ({
    tokenId: 't1',
    issuer: 'https://ward.example',
    clientId: 'c1',
    scopes: [],
    user: { id: 'u1', roles },
    breakGlass: { reason: 'code blue', expiresAt },
  });
  const later = new Date('2030-01-01T10:30:00Z');

  it('adds the scopes while the grant is in force', () => {
    expect(breakGlassScopesFor(policy, auth(['physician'], later), now)).toEqual(['user/*.read']);
  });

  it('adds nothing at and after expiry', () => {
    expect(breakGlassScopesFor(policy, auth(['physician'], now), now)).toEqual([]);
    expect(isBreakGlassActive({ expiresAt: now }, later)).toBe(false);
  });

  it('adds nothing once the user no longer holds an eligible role', () => {
    expect(breakGlassScopesFor(policy, auth(['billing'], later), now)).toEqual([]);
  });

  it('adds nothing without a grant', () => {
    const { breakGlass: _none, ...plain } = auth(['physician'], later);
    expect(breakGlassScopesFor(policy, plain, now)).toEqual([]);
  });
});
