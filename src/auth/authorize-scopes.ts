import { intersectScopes } from './scope-intersect.ts';

/**
 * Scopes that ask for context or tokens rather than access to resources.
 * https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html
 */
const contextScopes = new Set([
  'openid',
  'fhirUser',
  'profile',
  'launch',
  'launch/patient',
  'launch/encounter',
  'offline_access',
  'online_access',
]);

/**
 * Granted = requested ∩ what the user's roles allow ∩ what the client is registered for
 * (HIPAA.md "least privilege"; DESIGN.md "Roles"). Context scopes such as `launch/patient`
 * pass only when the role file and the client both list them.
 */
export function selectGrantedScopes(
  requested: readonly string[],
  roleAllowance: readonly string[],
  clientAllowance: readonly string[],
): string[] {
  return intersectScopes(intersectScopes(requested, roleAllowance), clientAllowance);
}

/** True when the grant carries any resource access at all. */
export function hasResourceScope(scopes: readonly string[]): boolean {
  return scopes.some((scope) => !contextScopes.has(scope));
}
