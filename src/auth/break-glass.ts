import { FhirError } from '../fhir/fhir-error.ts';
import type { AuthContext } from './auth-context.ts';
import { formatScope, parseScopes } from './scope.ts';

/**
 * Emergency access ("break-glass", HIPAA §164.312(a)(2)(ii)): a clinician states a reason and gets
 * wider read access for a short, configured time. These are the pure parts; persisting the grant,
 * marking every AuditEvent it produces and raising the alert belong to the store and audit layers.
 */

/** Who may break the glass, what it grants and for how long (from the role file). */
export interface BreakGlassPolicy {
  roles: readonly string[];
  scopes: readonly string[];
  durationMinutes: number;
}

/** A grant to persist and carry in the token as `AuthContext.breakGlass`. */
export interface BreakGlassGrant {
  /** Free text from the clinician: may contain PHI, so it goes to the audit trail, never a log. */
  reason: string;
  grantedAt: Date;
  expiresAt: Date;
  /** Normalized scopes the grant adds while in force. */
  scopes: string[];
}

export interface BreakGlassRequest {
  /** The user's roles; one of them must be allowed to break the glass. */
  roles: readonly string[];
  /** The stated reason, unchecked input. */
  reason: unknown;
  now: Date;
}

/** Long enough for a clinical justification, short enough to keep out pasted records. */
export const maxBreakGlassReasonLength = 500;

/**
 * Checks a break-glass request and produces the grant. Throws `invalidInput` for a missing, blank,
 * overlong or control-character reason and `forbidden` when no role of the user may invoke it.
 */
export function invokeBreakGlass(
  policy: BreakGlassPolicy,
  request: BreakGlassRequest,
): BreakGlassGrant {
  const reason = checkReason(request.reason);
  if (!request.roles.some((role) => policy.roles.includes(role))) {
    throw new FhirError('forbidden', 'no role of this user may invoke emergency access');
  }

  const expiresAt = new Date(request.now.getTime() + policy.durationMinutes * 60_000);
  const scopes = parseScopes(policy.scopes).map(formatScope);
  return { reason, grantedAt: request.now, expiresAt, scopes };
}

/** Whether a grant is still in force at `now` (it ends at `expiresAt`, exclusive). */
export function isBreakGlassActive(grant: { expiresAt: Date } | undefined, now: Date): boolean {
  return grant !== undefined && now.getTime() < grant.expiresAt.getTime();
}

/**
 * The scopes break-glass adds to a request right now: the policy's scopes while the grant is in
 * force and the user still holds an eligible role; none otherwise.
 */
export function breakGlassScopesFor(
  policy: BreakGlassPolicy,
  auth: AuthContext,
  now: Date,
): string[] {
  if (!isBreakGlassActive(auth.breakGlass, now)) return [];
  const roles = auth.user?.roles ?? [];
  if (!roles.some((role) => policy.roles.includes(role))) return [];
  return [...policy.scopes];
}

function checkReason(reason: unknown): string {
  const text = typeof reason === 'string' ? reason.trim() : '';
  if (text === '') throw new FhirError('invalidInput', 'emergency access needs a stated reason');
  if (text.length > maxBreakGlassReasonLength) {
    throw new FhirError(
      'invalidInput',
      `the reason is longer than ${maxBreakGlassReasonLength} characters`,
    );
  }
  if (/\p{Cc}/u.test(text.replace(/[\n\t]/g, ' '))) {
    throw new FhirError('invalidInput', 'the reason contains control characters');
  }
  return text;
}
