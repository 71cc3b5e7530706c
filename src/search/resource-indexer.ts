import type { Resource } from 'fhir/r4';
import type { ResourceIndexer } from '../store/resource-store.ts';
import { extractCompartments } from './compartment.ts';
import { extractIndex } from './extract.ts';
import type { BlindIndexFn } from './index-entry.ts';
import { computeSortKeys } from './sort-keys.ts';

/**
 * What the store writes beside each version: search index entries, patient compartments and
 * sort keys. Shared by the server and the reindex command so the two can never disagree.
 */
export function createResourceIndexer(blind: BlindIndexFn, ownBaseUrl?: string): ResourceIndexer {
  return (resource: Resource) => {
    const search = extractIndex(resource, blind);
    const compartments = extractCompartments(resource, ownBaseUrl);
    return { search, compartments, sort: computeSortKeys(search) };
  };
}
