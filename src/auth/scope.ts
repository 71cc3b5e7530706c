import { formatScopeFilter, parseScopeFilter, type ScopeFilter } from './scope-filter.ts';

/**
 * SMART App Launch 2.x scopes (http://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html):
 * resource scopes `context/Type.permissions[?query]` in v1 (`read`, `write`, `*`) and v2
 * (`c r u d s`) syntax, and the launch-context and identity scopes. Parsing fails closed: a scope
 * Ward does not understand is `undefined`, and callers drop it, so it grants nothing.
 */

export const scopeContexts = ['patient', 'user', 'system'] as const;
/** `patient/`: the launch patient's compartment; `user/`: the user's access; `system/`: a backend. */
export type ScopeContext = (typeof scopeContexts)[number];

/** The v2 permission letters, in the only order the spec allows. */
export const scopeActions = ['c', 'r', 'u', 'd', 's'] as const;
export type ScopeAction = (typeof scopeActions)[number];

/** Scopes that carry no resource access: identity, launch context and refresh-token requests. */
export const contextScopeNames = [
  'openid',
  'fhirUser',
  'launch',
  'launch/patient',
  'launch/encounter',
  'offline_access',
  'online_access',
] as const;
export type ContextScopeName = (typeof contextScopeNames)[number];

/** A resource scope in normalized (v2) form. */
export interface ResourceScope {
  kind: 'resource';
  context: ScopeContext;
  /** A resource type, or `*` for every type. */
  resourceType: string;
  /** Granted letters in `cruds` order, never empty. */
  actions: string;
  /** Granular query filter (an AND-list); empty for a plain scope. */
  filter: ScopeFilter;
}

export interface ContextScope {
  kind: 'context';
  name: ContextScopeName;
}

export type SmartScope = ResourceScope | ContextScope;

/** v1 permission words and the v2 letters they stand for. */
const v1Actions: Readonly<Record<string, string>> = { read: 'rs', write: 'cud', '*': 'cruds' };

/** RFC 6749 §3.3: a scope token is NQCHAR (%x21 / %x23-5B / %x5D-7E); nothing else passes. */
const scopeTokenPattern = /^[\x21\x23-\x5B\x5D-\x7E]{1,1024}$/;
const resourceScopePattern =
  /^(patient|user|system)\/(\*|[A-Z][A-Za-z]{0,63})\.(read|write|\*|c?r?u?d?s?)(?:\?(.*))?$/;

/**
 * Parses one scope string. Returns `undefined` for anything malformed or unknown: v2 letters out of
 * order or repeated, an empty permission, a v1 scope with a query (granular scopes are v2 only),
 * a query that does not parse.
 */
export function parseScope(scope: string): SmartScope | undefined {
  if (!scopeTokenPattern.test(scope)) return undefined;
  if ((contextScopeNames as readonly string[]).includes(scope)) {
    return { kind: 'context', name: scope as ContextScopeName };
  }

  const match = resourceScopePattern.exec(scope);
  if (!match) return undefined;
  // The pattern admits only the three contexts, and a type or `*`, so the groups are set.
  const context = match[1] as ScopeContext;
  const resourceType = match[2] ?? '';
  const permission = match[3] ?? '';
  const query = match[4];
  if (permission === '') return undefined;

  const v1 = v1Actions[permission];
  if (v1 !== undefined && query !== undefined) return undefined;
  const filter = query === undefined ? [] : parseScopeFilter(query);
  if (filter === undefined) return undefined;
  return { kind: 'resource', context, resourceType, actions: v1 ?? permission, filter };
}

/** Parses a list, dropping every scope that does not parse (fail closed). */
export function parseScopes(scopes: readonly string[]): SmartScope[] {
  const parsed: SmartScope[] = [];
  for (const scope of scopes) {
    const result = parseScope(scope);
    if (result) parsed.push(result);
  }
  return parsed;
}

/** The normalized v2 string of a scope, e.g. `patient/Observation.rs?category=...`. */
export function formatScope(scope: SmartScope): string {
  if (scope.kind === 'context') return scope.name;
  const base = `${scope.context}/${scope.resourceType}.${scope.actions}`;
  return scope.filter.length ? `${base}?${formatScopeFilter(scope.filter)}` : base;
}

/** Letters present in both permission strings, in `cruds` order. */
export function intersectActions(a: string, b: string): string {
  return scopeActions.filter((letter) => a.includes(letter) && b.includes(letter)).join('');
}

/** Letters present in either permission string, in `cruds` order. */
export function unionActions(a: string, b: string): string {
  return scopeActions.filter((letter) => a.includes(letter) || b.includes(letter)).join('');
}
