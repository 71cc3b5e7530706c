import { intersectScopes } from './scope-intersect.ts';

/**
 * Whether every scope in `requested` is covered by `granted` (RFC 6749 §6: a refresh "MUST NOT
 * include any scope not originally granted"). A scope is covered when cutting it down to the
 * grant leaves it as it was; narrower requests (a type under a `*` grant) are covered.
 * Malformed scopes are never covered.
 */
export function isScopeSubset(requested: readonly string[], granted: readonly string[]): boolean {
  return requested.every((scope) => {
    const alone = intersectScopes([scope], [scope]);
    if (alone.length === 0) return false;
    return sameScopes(intersectScopes([scope], granted), alone);
  });
}

/** Splits a space-separated `scope` parameter (RFC 6749 §3.3). */
export function splitScopeParameter(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value.split(' ').filter((scope) => scope.length > 0);
}

function sameScopes(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sortedB = [...b].sort();
  return [...a].sort().every((scope, i) => scope === sortedB[i]);
}
