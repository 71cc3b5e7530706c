import { splitEscaped, unescapeValue } from '../search/parse-escape.ts';

/**
 * The query of a granular scope (`user/Observation.rs?category=http://...|vital-signs`): an
 * AND-list of search parameters, each `[name, value]` with the value percent-decoded but still in
 * FHIR search syntax (`system|code`, `,` for alternatives, `\` escapes).
 * http://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#finer-grained-resource-constraints-using-search-parameters
 */
export type ScopeFilter = ReadonlyArray<readonly [string, string]>;

/** A parameter name, optionally with a modifier; the policy later refuses what it cannot check. */
const paramNamePattern = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}(?::[A-Za-z-]{1,32})?$/;

/** Parses `a=1&b=2`; `undefined` when any part is empty, misnamed or badly percent-encoded. */
export function parseScopeFilter(query: string): ScopeFilter | undefined {
  const pairs: Array<[string, string]> = [];
  for (const part of query.split('&')) {
    const equals = part.indexOf('=');
    if (equals <= 0) return undefined;
    const name = decode(part.slice(0, equals));
    const value = decode(part.slice(equals + 1));
    if (name === undefined || value === undefined || value === '') return undefined;
    if (!paramNamePattern.test(name)) return undefined;
    pairs.push([name, value]);
  }
  return normalizeFilter(pairs);
}

/** Sorted and without duplicates, so equal filters format to equal strings. */
export function normalizeFilter(pairs: ReadonlyArray<readonly [string, string]>): ScopeFilter {
  const seen = new Map<string, readonly [string, string]>();
  for (const pair of pairs) seen.set(`${pair[0]}=${pair[1]}`, pair);
  return [...seen.values()].sort(comparePairs);
}

/** `a=1&b=2`, percent-encoding only what a scope token may not carry or the query syntax uses. */
export function formatScopeFilter(filter: ScopeFilter): string {
  return filter.map(([name, value]) => `${encode(name)}=${encode(value)}`).join('&');
}

/**
 * Whether every resource that passes `narrower` also passes `wider`: each condition of `wider`
 * is implied by a condition of `narrower` on the same parameter. Values compare with token
 * semantics (http://hl7.org/fhir/R4/search.html#token): `system|code` implies `code` and
 * `system|`. The policy only enforces token parameters, so that is the only semantics needed.
 */
export function filterImplies(narrower: ScopeFilter, wider: ScopeFilter): boolean {
  return wider.every(([name, value]) =>
    narrower.some(([n, v]) => n === name && valueImplies(v, value)),
  );
}

function valueImplies(narrower: string, wider: string): boolean {
  const allowed = splitEscaped(wider, ',');
  return splitEscaped(narrower, ',').every((alt) => allowed.some((a) => tokenImplies(alt, a)));
}

function tokenImplies(narrower: string, wider: string): boolean {
  if (narrower === wider) return true;
  const n = splitEscaped(narrower, '|');
  const w = splitEscaped(wider, '|');
  if (n.length !== 2) return false;
  const [system, code] = n.map(unescapeValue) as [string, string];
  if (w.length === 1) return code !== '' && code === unescapeValue(wider);
  if (w.length !== 2) return false;
  const [wideSystem, wideCode] = w.map(unescapeValue) as [string, string];
  return wideCode === '' && wideSystem !== '' && system === wideSystem;
}

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function encode(text: string): string {
  return text.replace(/[^\x21\x23-\x24\x27-\x3C\x3E-\x5B\x5D-\x7E]/gu, (ch) =>
    encodeURIComponent(ch),
  );
}

function comparePairs(a: readonly [string, string], b: readonly [string, string]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}
