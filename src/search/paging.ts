import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { Document, Filter } from 'mongodb';
import { FhirError } from '../fhir/fhir-error.ts';
import type { ParsedSearch, SortKey } from './parse-types.ts';
import { sortField } from './sort.ts';
import type { SortValue } from './sort.ts';

/**
 * Keyset paging: a page token holds the sort values and `_id` of the row at the page's edge,
 * and the next page starts strictly after it. Unlike skip, rows inserted or removed elsewhere
 * never shift a page. http://hl7.org/fhir/R4/http.html#paging
 */
export interface PageState {
  /** `next` continues after the row; `previous` walks back from it. */
  direction: 'next' | 'previous';
  values: SortValue[];
  id: string;
  /** `fingerprintSearch` of the search the token belongs to. */
  search: string;
}

const tokenVersion = 1;

/**
 * An opaque, tamper-proof page token: the state encrypted with AES-256-GCM under a key derived
 * from `key`. Encrypted, not only signed, because sort values can be PHI and page links end up
 * in proxies' and browsers' logs.
 */
export function createPageToken(state: PageState, key: Uint8Array): string {
  const payload = JSON.stringify({
    v: tokenVersion,
    d: state.direction === 'next' ? 'n' : 'p',
    k: state.values.map((value) => (value instanceof Date ? { t: value.getTime() } : value)),
    i: state.id,
    s: state.search,
  });
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(key), nonce);
  const body = Buffer.concat([cipher.update(payload, 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64url');
}

/**
 * Reads a page token; any alteration, a token from another key, or one issued for another
 * search is a 400 that says no more than that.
 */
export function readPageToken(token: string, key: Uint8Array, expectedSearch?: string): PageState {
  const state = decode(token, key);
  if (!state || (expectedSearch !== undefined && state.search !== expectedSearch)) {
    throw new FhirError('invalidInput', 'the page token is invalid or belongs to another search');
  }
  return state;
}

function decode(token: string, key: Uint8Array): PageState | undefined {
  try {
    const raw = Buffer.from(token, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', deriveKey(key), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString();
    return toState(JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

function toState(value: unknown): PageState | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { v, d, k, i, s } = value as Record<string, unknown>;
  if (v !== tokenVersion || (d !== 'n' && d !== 'p') || !Array.isArray(k)) return undefined;
  if (typeof i !== 'string' || typeof s !== 'string') return undefined;
  const values = k.map(toSortValue);
  if (values.some((x) => x === undefined)) return undefined;
  const direction = d === 'n' ? 'next' : 'previous';
  return { direction, values: values as SortValue[], id: i, search: s };
}

function toSortValue(value: unknown): SortValue | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'object' && typeof (value as { t?: unknown }).t === 'number') {
    return new Date((value as { t: number }).t);
  }
  return undefined;
}

function deriveKey(key: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'ward search page token', 32));
}

/** Identifies a search by what it applies, so a token cannot be replayed on another search. */
export function fingerprintSearch(parsed: ParsedSearch): string {
  const applied = parsed.applied.filter(([name]) => name !== '_count').map((pair) => pair.join('='));
  const text = JSON.stringify([parsed.resourceTypes, applied.sort()]);
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

/**
 * The filter selecting rows strictly after (or, for `previous`, before) the token's row in the
 * search's sort order, `_id` breaking ties. Missing sort values are null, which MongoDB sorts
 * before every value. Use with `compileSort(keys, state.direction === 'previous')`.
 */
export function compileSeekFilter(keys: readonly SortKey[], state: PageState): Filter<Document> {
  const isBackward = state.direction === 'previous';
  const branches: Document[] = [];
  const equalSoFar: Document[] = [];

  keys.forEach((key, index) => {
    const field = sortField(key);
    const value = state.values[index] ?? null;
    const isUpward = key.isDescending === isBackward;
    const beyond = isUpward ? greaterThan(field, value) : lessThan(field, value);
    if (beyond) branches.push(all([...equalSoFar, beyond]));
    equalSoFar.push({ [field]: value });
  });
  branches.push(all([...equalSoFar, { _id: { [isBackward ? '$lt' : '$gt']: state.id } }]));
  return branches.length === 1 ? (branches[0] as Document) : { $or: branches };
}

function greaterThan(field: string, value: SortValue): Document {
  return value === null ? { [field]: { $ne: null } } : { [field]: { $gt: value } };
}

/** Nothing sorts before null. */
function lessThan(field: string, value: SortValue): Document | undefined {
  if (value === null) return undefined;
  return { $or: [{ [field]: { $lt: value } }, { [field]: null }] };
}

function all(filters: Document[]): Document {
  return filters.length === 1 ? (filters[0] as Document) : { $and: filters };
}
