import { randomBytes } from 'node:crypto';
import type { Collection, Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FhirError } from '../../src/fhir/fhir-error.ts';
import { compileSeekFilter, createPageToken, fingerprintSearch, readPageToken } from '../../src/search/paging.ts';
import type { PageState } from '../../src/search/paging.ts';
import { parseSearchRequest } from '../../src/search/parse.ts';
import type { SortKey } from '../../src/search/parse-types.ts';
import { compileSort, readSortValues } from '../../src/search/sort.ts';
import { openTestDatabase } from '../helpers/database.ts';
import type { TestDatabase } from '../helpers/database.ts';

const key = randomBytes(32);

function failure(run: () => unknown): FhirError {
  try {
    run();
  } catch (error) {
    if (error instanceof FhirError) return error;
    throw error;
  }
  throw new Error('expected a FhirError');
}

describe('page tokens', () => {
  const state: PageState = {
    direction: 'next',
    values: [new Date('2020-01-02T03:04:05Z'), 'Qzxvbrmt', 12.5, null],
    id: 'Observation/obs-Wkqzrvt',
    search: 'abc',
  };

  it('round-trip the state, dates included', () => {
    expect(readPageToken(createPageToken(state, key), key, 'abc')).toEqual(state);
  });

  it('are opaque: no sort value or id readable in the token', () => {
    const token = createPageToken(state, key);
    const decoded = Buffer.from(token, 'base64url').toString('latin1');
    expect(decoded).not.toContain('Qzxvbrmt');
    // Markers long enough that random ciphertext bytes never spell them by chance.
    expect(decoded).not.toContain('Wkqzrvt');
  });

  it('refuse a token with any byte changed', () => {
    const raw = Buffer.from(createPageToken(state, key), 'base64url');
    for (const index of [0, 13, raw.length - 1]) {
      const altered = Buffer.from(raw);
      altered[index] = (altered[index] ?? 0) ^ 1;
      expect(failure(() => readPageToken(altered.toString('base64url'), key)).status).toBe(400);
    }
  });

  it('refuse a token made with another key, a garbage token and a token of another search', () => {
    const token = createPageToken(state, key);
    expect(failure(() => readPageToken(token, randomBytes(32))).status).toBe(400);
    expect(failure(() => readPageToken('not-a-token', key)).status).toBe(400);
    expect(failure(() => readPageToken(token, key, 'other')).status).toBe(400);
  });

  it('fingerprint a search by its applied parameters, not by _count', () => {
    const parse = (q: string) => parseSearchRequest('Patient', [...new URLSearchParams(q)], { strict: true });
    expect(fingerprintSearch(parse('gender=male&_count=2'))).toBe(fingerprintSearch(parse('_count=5&gender=male')));
    expect(fingerprintSearch(parse('gender=male'))).not.toBe(fingerprintSearch(parse('gender=female')));
  });
});

describe('keyset paging on a real database', () => {
  let database: TestDatabase;
  let collection: Collection;

  const day = (d: number) => new Date(Date.UTC(2020, 0, d));
  const rows = [
    { id: 'a', date: day(3) },
    { id: 'b', date: day(1) },
    { id: 'c', date: day(3) },
    { id: 'd' },
    { id: 'e', date: day(2) },
    { id: 'f' },
    { id: 'g', date: day(5) },
  ];

  beforeAll(async () => {
    database = await openTestDatabase();
    collection = database.db.collection('resources');
    await collection.insertMany(
      rows.map((r) => ({
        _id: `Observation/${r.id}`,
        type: 'Observation',
        id: r.id,
        deleted: false,
        ...(r.date ? { sort: { date: { a: r.date, d: r.date } } } : {}),
      })) as unknown as Document[],
    );
  });

  afterAll(async () => {
    await database?.close();
  });

  async function page(keys: SortKey[], size: number, state?: PageState): Promise<Document[]> {
    const reverse = state?.direction === 'previous';
    const filter = state ? compileSeekFilter(keys, state) : {};
    const found = await collection.find(filter).sort(compileSort(keys, reverse)).limit(size).toArray();
    return reverse ? found.reverse() : found;
  }

  async function walk(keys: SortKey[], size: number): Promise<string[]> {
    const seen: string[] = [];
    let state: PageState | undefined;
    for (;;) {
      const found = await page(keys, size, state);
      seen.push(...found.map((d) => String(d.id)));
      const last = found.at(-1);
      if (found.length < size || !last) return seen;
      const next = { direction: 'next' as const, values: readSortValues(last, keys), id: String(last._id), search: 's' };
      state = readPageToken(createPageToken(next, key), key);
    }
  }

  const byDate = (query: string) => parseSearchRequest('Observation', [['_sort', query]], { strict: true }).sort;

  it('walks ascending pages with missing values first and ties broken by id', async () => {
    expect(await walk(byDate('date'), 2)).toEqual(['d', 'f', 'b', 'e', 'a', 'c', 'g']);
  });

  it('walks descending pages with missing values last', async () => {
    expect(await walk(byDate('-date'), 3)).toEqual(['g', 'a', 'c', 'e', 'b', 'd', 'f']);
  });

  it('does not repeat or skip rows when a row is added before the cursor', async () => {
    const keys = byDate('date');
    const first = await page(keys, 3);
    const last = first.at(-1) as Document;
    await collection.insertOne({ _id: 'Observation/0', type: 'Observation', id: '0', deleted: false } as unknown as Document);
    const state: PageState = { direction: 'next', values: readSortValues(last, keys), id: String(last._id), search: 's' };
    const second = await page(keys, 10, state);
    expect([...first, ...second].map((d) => d.id)).toEqual(['d', 'f', 'b', 'e', 'a', 'c', 'g']);
    await collection.deleteOne({ _id: 'Observation/0' } as unknown as Document);
  });

  it('walks back with a previous-page token', async () => {
    const keys = byDate('-date');
    const firstRow = (await collection.findOne({ _id: 'Observation/e' } as unknown as Document)) as Document;
    const state: PageState = { direction: 'previous', values: readSortValues(firstRow, keys), id: String(firstRow._id), search: 's' };
    expect((await page(keys, 2, state)).map((d) => d.id)).toEqual(['a', 'c']);
  });
});
