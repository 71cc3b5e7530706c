import type { Resource } from 'fhir/r4';
import { extractCompartments } from '../search/compartment.ts';
import type { AuthContext } from './auth-context.ts';
import { breakGlassScopesFor } from './break-glass.ts';
import { fieldMaskFor } from './policy-field-mask.ts';
import { isEnforceableFilter, resourceMatchesFilters } from './policy-filter.ts';
import type {
  AccessDecision,
  AccessNarrowing,
  AccessRequest,
  Interaction,
} from './policy-types.ts';
import type { RoleConfig } from './roles.ts';
import { formatScopeFilter, type ScopeFilter } from './scope-filter.ts';
import { parseScopes, type ScopeAction } from './scope.ts';

/** Decides one interaction for one authenticated caller; pure apart from the injected clock. */
export interface AccessPolicy {
  authorize(auth: AuthContext, request: AccessRequest): AccessDecision;
}

export interface AccessPolicyOptions {
  /** The clock, for break-glass expiry. */
  now?: () => Date;
  /** This server's base URL: absolute references under it count for compartments. */
  baseUrl?: string;
}

/**
 * One way the token reaches a resource type: a scope with the needed letter, pinned to the launch
 * patient's compartment (`patient/`) or not (`user/`, `system/`), with its granular filter.
 */
interface AccessPath {
  compartment?: string;
  filter: ScopeFilter;
}

interface CheckedVersion {
  resource: Resource;
  compartments: readonly string[];
}

/**
 * The letter each interaction needs (SMART v2, http://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#scopes-for-requesting-fhir-resources):
 * instance history reads versions of one resource, so it needs `r`; type history searches.
 */
const requiredActions: Readonly<Record<Interaction, ScopeAction>> = {
  read: 'r',
  vread: 'r',
  search: 's',
  history: 's',
  create: 'c',
  update: 'u',
  patch: 'u',
  delete: 'd',
};

/** A FHIR id (http://hl7.org/fhir/R4/datatypes.html#id), optionally as `Patient/<id>`. */
const patientIdPattern = /^(?:Patient\/)?([A-Za-z0-9\-.]{1,64})$/;

/**
 * The access policy of every FHIR request (issue #4, "Enforcement, every request"):
 * `patient/` scopes pin reads, searches, history and writes (new and old version) to the launch
 * patient's compartment; `user/` scopes apply to human users, `system/` scopes to backend clients
 * only; several scopes for the same type combine as OR. A single resource passed in the request
 * is checked here; searches get the narrowing to apply. While a break-glass grant is in force
 * for an eligible role, its scopes join the token's and the decision says so.
 */
export function createAccessPolicy(
  config: RoleConfig,
  options: AccessPolicyOptions = {},
): AccessPolicy {
  const now = options.now ?? (() => new Date());

  function authorize(auth: AuthContext, request: AccessRequest): AccessDecision {
    const mismatch = [request.resource, request.previous].some(
      (r) => r !== undefined && r.resourceType !== request.resourceType,
    );
    if (mismatch) return deny('the resource does not have the requested type');

    const emergencyScopes = breakGlassScopesFor(config.breakGlass, auth, now());
    const decision = decide(auth, request, [...auth.scopes, ...emergencyScopes]);
    if (!decision.allowed) return decision;

    const fieldMask = auth.user
      ? fieldMaskFor(config, auth.user.roles, request.resourceType)
      : undefined;
    const narrowing: AccessNarrowing = fieldMask
      ? { ...decision.narrowing, fieldMask }
      : decision.narrowing;
    return { allowed: true, narrowing, isBreakGlass: emergencyScopes.length > 0 };
  }

  function decide(auth: AuthContext, request: AccessRequest, scopes: readonly string[]) {
    const action = requiredAction(request);
    const paths = accessPaths(auth, scopes, request.resourceType, action);
    if (paths.length === 0) return deny('no granted scope permits this interaction on this type');

    const enforceable = paths.filter((p) => isEnforceableFilter(request.resourceType, p.filter));
    if (enforceable.length === 0) {
      return deny('the granted scope filters cannot be enforced on this type');
    }

    const versions = versionsToCheck(request, options.baseUrl);
    if (versions === undefined) return deny('a write needs the resource it writes');
    for (const version of versions) {
      if (!enforceable.some((path) => isAdmitted(path, version))) {
        return deny('the resource is outside what the granted scopes allow');
      }
    }
    return { allowed: true as const, narrowing: toNarrowing(enforceable) };
  }

  return { authorize };
}

function requiredAction(request: AccessRequest): ScopeAction {
  if (request.interaction === 'history' && request.id !== undefined) return 'r';
  return requiredActions[request.interaction];
}

function accessPaths(
  auth: AuthContext,
  scopes: readonly string[],
  resourceType: string,
  action: ScopeAction,
): AccessPath[] {
  const compartment = patientCompartmentOf(auth.patient);
  const paths: AccessPath[] = [];
  for (const scope of parseScopes(scopes)) {
    if (scope.kind !== 'resource' || !scope.actions.includes(action)) continue;
    if (scope.resourceType !== '*' && scope.resourceType !== resourceType) continue;

    if (scope.context === 'patient') {
      if (compartment) paths.push({ compartment, filter: scope.filter });
    } else if (scope.context === 'user' ? auth.user !== undefined : auth.user === undefined) {
      // A token for a user never acts as a backend client, and a backend never as a user.
      paths.push({ filter: scope.filter });
    }
  }
  return paths;
}

/**
 * The versions a decision must admit: the stored one for reads, the new body for create, both
 * new and old for update and patch, the old for delete, none for a pre-check. `undefined` when a
 * write lacks its body.
 */
function versionsToCheck(request: AccessRequest, baseUrl?: string): CheckedVersion[] | undefined {
  // A pre-check that was handed a version anyway checks it: the flag never skips a body.
  if (request.isPreCheck && !request.resource && !request.previous) return [];
  const current = request.resource && {
    resource: request.resource,
    compartments: request.compartments ?? extractCompartments(request.resource, baseUrl),
  };
  const previous = request.previous && {
    resource: request.previous,
    compartments: request.previousCompartments ?? extractCompartments(request.previous, baseUrl),
  };
  switch (request.interaction) {
    case 'create':
      return current ? [current] : undefined;
    case 'update':
    case 'patch':
      return current ? [current, ...(previous ? [previous] : [])] : undefined;
    case 'delete':
      return [previous ?? current].filter((v) => v !== undefined);
    default:
      return current ? [current] : [];
  }
}

function isAdmitted(path: AccessPath, version: CheckedVersion): boolean {
  if (path.compartment && !version.compartments.includes(path.compartment)) return false;
  return resourceMatchesFilters(version.resource, path.filter.length ? [path.filter] : []);
}

/**
 * One compartment and an OR of filters for the caller to apply. A path without compartment and
 * filter means no narrowing. When `user/`/`system/` paths and `patient/` paths mix, the narrowing
 * keeps the unpinned paths only: a subset of what the token allows, never more.
 */
function toNarrowing(paths: readonly AccessPath[]): AccessNarrowing {
  const unpinned = paths.filter((p) => p.compartment === undefined);
  const chosen = unpinned.length ? unpinned : paths;
  const compartment = unpinned.length ? undefined : paths[0]?.compartment;
  const pinned = compartment === undefined ? {} : { compartment };
  if (chosen.some((p) => p.filter.length === 0)) return { ...pinned, filters: [] };

  const filters = new Map(chosen.map((p) => [formatScopeFilter(p.filter), p.filter]));
  return { ...pinned, filters: [...filters.values()] };
}

function patientCompartmentOf(patient: string | undefined): string | undefined {
  const id = patient === undefined ? undefined : patientIdPattern.exec(patient)?.[1];
  return id === undefined ? undefined : `Patient/${id}`;
}

function deny(reason: string): { allowed: false; reason: string } {
  return { allowed: false, reason };
}
