/**
 * Scopes that ask for context or tokens rather than access to resources; the role policy
 * decides only resource scopes.
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

/** Granted = the context scopes asked for, plus requested resource scopes ∩ role allowance. */
export function selectGrantedScopes(
  requested: readonly string[],
  roles: string[],
  grantScopes: (requested: string[], roles: string[]) => string[],
): string[] {
  const context = requested.filter((scope) => contextScopes.has(scope));
  const resource = requested.filter((scope) => !contextScopes.has(scope));
  const granted = resource.length > 0 ? grantScopes(resource, roles) : [];
  return [...context, ...granted];
}

/** True when the grant carries any resource access at all. */
export function hasResourceScope(scopes: readonly string[]): boolean {
  return scopes.some((scope) => !contextScopes.has(scope));
}
