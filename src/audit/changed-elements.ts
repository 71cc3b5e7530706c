import type { Resource } from 'fhir/r4';
import type { BlindIndexFn } from '../search/index-entry.ts';
import type { ChangedElement } from './rest-audit-event.ts';

/** Elements the server sets on every write: their change says nothing about the edit. */
const serverElements = new Set(['id', 'meta', 'text']);

/**
 * The top-level elements an update or patch changed, with keyed hashes (HMAC under the
 * blind-index key) of their old and new values (HIPAA.md, audit controls: "fields changed with
 * hashed, never plaintext, old and new values"). Keyed, because a plain hash of a birth date or
 * a short code is reversed by trying every value.
 */
export function describeChanges(
  before: Resource | undefined,
  after: Resource,
  blind: BlindIndexFn,
): ChangedElement[] {
  const old = (before ?? {}) as Record<string, unknown>;
  const next = after as unknown as Record<string, unknown>;
  const names = new Set([...Object.keys(old), ...Object.keys(next)]);
  const changes: ChangedElement[] = [];
  for (const name of [...names].sort()) {
    if (serverElements.has(name)) continue;
    const oldJson = canonicalJson(old[name]);
    const newJson = canonicalJson(next[name]);
    if (oldJson === newJson) continue;
    const path = `${after.resourceType}.${name}`;
    changes.push({
      path,
      ...(oldJson !== undefined ? { oldHash: blind(`audit-change:${path}`, oldJson) } : {}),
      ...(newJson !== undefined ? { newHash: blind(`audit-change:${path}`, newJson) } : {}),
    });
  }
  return changes;
}

function canonicalJson(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
}
