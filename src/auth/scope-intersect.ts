import {
  formatScope,
  intersectActions,
  parseScopes,
  unionActions,
  type ResourceScope,
  type SmartScope,
} from './scope.ts';
import { filterImplies, formatScopeFilter, type ScopeFilter } from './scope-filter.ts';

/**
 * The scopes a token gets: what the client asked for, cut down to what the user's roles allow
 * (DESIGN.md, "Security model"). Computed per pair of requested and allowed scope:
 *
 * - context: equal, or a `user/` allowance covers a `patient/` request (the patient compartment is
 *   narrower than the user's own access); `system/` only covers `system/`;
 * - type: equal, or the `*` side takes the other side's type;
 * - letters: those in both;
 * - filter: a requested filter survives only when it is at least as narrow as the allowed one;
 *   a plain request under a filtered allowance takes the allowance's filter.
 *
 * Context scopes (`openid`, `launch/patient`, ...) pass only when allowed verbatim. Malformed or
 * unknown scopes on either side grant nothing. The result is normalized v2 strings, one per
 * context, type and filter, with their letters merged.
 */
export function intersectScopes(
  requested: readonly string[],
  allowed: readonly string[],
): string[] {
  const allowedScopes = parseScopes(allowed);
  const allowedNames = new Set(
    allowedScopes.filter((s) => s.kind === 'context').map((s) => s.name),
  );
  const allowedResources = allowedScopes.filter((s) => s.kind === 'resource');

  const granted: SmartScope[] = [];
  for (const scope of parseScopes(requested)) {
    if (scope.kind === 'context') {
      if (allowedNames.has(scope.name)) granted.push(scope);
      continue;
    }
    for (const allowance of allowedResources) {
      const common = intersectResourceScope(scope, allowance);
      if (common) granted.push(common);
    }
  }
  return mergeScopes(granted).map(formatScope);
}

/** The access both scopes grant, or `undefined` when it is empty (or not expressible as one). */
export function intersectResourceScope(
  requested: ResourceScope,
  allowed: ResourceScope,
): ResourceScope | undefined {
  const isContextCovered =
    requested.context === allowed.context ||
    (requested.context === 'patient' && allowed.context === 'user');
  if (!isContextCovered) return undefined;

  const resourceType = intersectTypes(requested.resourceType, allowed.resourceType);
  if (resourceType === undefined) return undefined;

  const actions = intersectActions(requested.actions, allowed.actions);
  if (actions === '') return undefined;

  const filter = intersectFilters(requested.filter, allowed.filter);
  if (filter === undefined) return undefined;
  return { kind: 'resource', context: requested.context, resourceType, actions, filter };
}

function intersectTypes(a: string, b: string): string | undefined {
  if (a === b || b === '*') return a;
  if (a === '*') return b;
  return undefined;
}

function intersectFilters(requested: ScopeFilter, allowed: ScopeFilter): ScopeFilter | undefined {
  if (allowed.length === 0) return requested;
  if (requested.length === 0) return allowed;
  return filterImplies(requested, allowed) ? requested : undefined;
}

/** One scope per context, type and filter (letters united); context scopes once each. */
function mergeScopes(scopes: readonly SmartScope[]): SmartScope[] {
  const merged = new Map<string, SmartScope>();
  for (const scope of scopes) {
    const key =
      scope.kind === 'context'
        ? scope.name
        : `${scope.context}/${scope.resourceType}?${formatScopeFilter(scope.filter)}`;
    const previous = merged.get(key);
    if (previous?.kind === 'resource' && scope.kind === 'resource') {
      merged.set(key, { ...previous, actions: unionActions(previous.actions, scope.actions) });
    } else if (!previous) {
      merged.set(key, scope);
    }
  }
  return [...merged.values()];
}
