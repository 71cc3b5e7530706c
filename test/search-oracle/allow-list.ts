import type { Resource } from 'fhir/r4';
import type { GeneratedQuery } from './queries.ts';

/** One resource on which Ward and the oracle disagree for one query. */
export interface Difference {
  query: GeneratedQuery;
  resource: Resource;
  /** `ward`: Ward returned it, the oracle says no; `oracle`: the oracle matches it, Ward did not. */
  onlyIn: 'ward' | 'oracle';
}

/**
 * A category of difference with the spec reasoning why Ward's answer stands. `explains` must be
 * narrow: it names the query shape and the data shape of the category, never a resource id.
 */
export interface AllowedDifference {
  category: string;
  reason: string;
  explains(difference: Difference): boolean;
}

/** Categories found by investigating differences against http://hl7.org/fhir/R4/search.html. */
export const allowedDifferences: AllowedDifference[] = [];
