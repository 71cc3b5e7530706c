import type { Collection, Db, Document, Filter } from 'mongodb';
import { FhirError } from '../fhir/fhir-error.ts';
import { collectionNames } from '../store/documents.ts';
import type { CurrentDocument } from '../store/documents.ts';
import type { ResourceStore, StoredVersion } from '../store/resource-store.ts';
import { compileSearch, toMongoFilter } from './compile.ts';
import type { CompiledSearch } from './compile.ts';
import { toUnwoundFilter } from './compile-unwind.ts';
import { getSearchParams } from './definitions.ts';
import type { BlindIndexFn, ReferenceEntry } from './index-entry.ts';
import { compileSeekFilter, createPageToken, fingerprintSearch, readPageToken } from './paging.ts';
import type { Clause, IncludeSpec, ParsedSearch } from './parse-types.ts';
import { parseSearchRequest } from './parse.ts';
import { compileSort, readSortValues } from './sort.ts';

export interface SearchServiceOptions {
  /** Whether the engine runs `$elemMatch` with field conditions (MongoDB yes, FerretDB 1.x no). */
  hasElemMatch: boolean;
  /** Key of the page tokens; shared by every process. */
  pageKey: Buffer;
  blind: BlindIndexFn;
  now?: () => Date;
}

/** Limits the searched set beyond the query: the caller's grant and the URL's compartment. */
export interface SearchNarrowing {
  /** `Patient/<id>` each: every match and include must belong to all of these compartments. */
  compartments?: string[];
  /**
   * Per resource type, an OR of AND-lists of search parameters (granular SMART scopes, e.g.
   * `category=vital-signs`): every match of that type, chained targets included, must satisfy
   * one of the lists. A type absent from the map is not filtered.
   */
  filters?: ReadonlyMap<string, GrantFilters>;
}

export type GrantFilters = ReadonlyArray<ReadonlyArray<readonly [string, string]>>;

export interface SearchResult {
  matches: StoredVersion[];
  includes: StoredVersion[];
  total?: number;
  /** Page tokens for the `next` and `previous` links. */
  next?: string;
  previous?: string;
}

/** Most chained or reverse-chained targets one clause may resolve to before we refuse. */
const maxChainTargets = 10_000;
/** How many rounds `:iterate` includes may take. */
const maxIncludeRounds = 3;
/** Most resources included into one page. */
const maxIncludes = 1000;

/**
 * Runs parsed searches against the stored index: chains first, then the filter, keyset paging,
 * totals and includes. Nothing is filtered after decryption: every condition runs in the
 * database, and only the page's resources are decrypted.
 */
export class SearchService {
  private readonly resources: Collection<CurrentDocument>;

  constructor(
    db: Db,
    private readonly store: ResourceStore,
    private readonly options: SearchServiceOptions,
  ) {
    this.resources = db.collection<CurrentDocument>(collectionNames.resources);
  }

  async search(parsed: ParsedSearch, narrowing: SearchNarrowing = {}): Promise<SearchResult> {
    const filter = await this.toFilter(parsed, narrowing);
    const fingerprint = fingerprintSearch(parsed);
    const state = parsed.cursor
      ? readPageToken(parsed.cursor, this.options.pageKey, fingerprint)
      : undefined;
    const isBackward = state?.direction === 'previous';
    const pageFilter = state ? { $and: [filter, compileSeekFilter(parsed.sort, state)] } : filter;

    const wantsEntries = parsed.summary !== 'count' && parsed.count > 0;
    const [rows, total] = await Promise.all([
      wantsEntries
        ? this.resources
            .find(pageFilter as Filter<CurrentDocument>)
            .sort(compileSort(parsed.sort, isBackward))
            .limit(parsed.count + 1)
            .toArray()
        : Promise.resolve([]),
      this.countTotal(parsed, filter),
    ]);

    const hasMore = rows.length > parsed.count;
    const page = rows.slice(0, parsed.count);
    if (isBackward) page.reverse();
    const tokens = this.pageTokens(parsed, page, fingerprint, {
      hasNext: isBackward ? true : hasMore,
      hasPrevious: isBackward ? hasMore : state !== undefined,
    });
    const matches = await Promise.all(page.map((doc) => this.store.open(doc)));
    const includes = await this.findIncludes(parsed, page, narrowing);
    return { matches, includes, total, ...tokens };
  }

  private async toFilter(parsed: ParsedSearch, narrowing: SearchNarrowing): Promise<Filter<Document>> {
    const chainResults = await this.resolveChains(parsed.resourceTypes, parsed.clauses, narrowing);
    const compiled = compileSearch(parsed, this.options.blind, {
      chainResults,
      now: this.options.now?.(),
    });
    const filter = await this.runnable(this.narrow(compiled, narrowing));
    const grantFilters = parsed.resourceTypes.flatMap((t) => narrowing.filters?.get(t) ?? []);
    if (grantFilters.length === 0) return filter;
    const alternatives = await Promise.all(
      grantFilters.map((pairs) => this.toFilter(this.parseGrantFilter(parsed, pairs), {})),
    );
    return { $and: [filter, { $or: alternatives }] };
  }

  /** A grant's filter is parsed strictly: a parameter we cannot apply must not widen access. */
  private parseGrantFilter(parsed: ParsedSearch, pairs: ReadonlyArray<readonly [string, string]>) {
    if (parsed.resourceTypes.length !== 1) {
      throw new FhirError('forbidden', 'a filtered grant allows searching one type at a time');
    }
    return parseSearchRequest(parsed.resourceTypes[0]!, pairs, { strict: true });
  }

  private narrow(compiled: CompiledSearch, narrowing: SearchNarrowing): CompiledSearch {
    if (!narrowing.compartments?.length) return compiled;
    const compartments = { $all: narrowing.compartments };
    return { ...compiled, base: { ...compiled.base, compartments } };
  }

  private async runnable(compiled: CompiledSearch): Promise<Filter<Document>> {
    if (this.options.hasElemMatch) return toMongoFilter(compiled);
    return toUnwoundFilter(this.resources as unknown as Collection, compiled);
  }

  /**
   * Runs each chained (`subject:Patient.name=x`) and reverse-chained (`_has:...`) clause as its
   * own search, innermost first, and returns the `Type/id`s each resolves to.
   */
  private async resolveChains(
    resourceTypes: string[],
    clauses: Clause[],
    narrowing: SearchNarrowing,
  ): Promise<Map<object, string[]>> {
    const results = new Map<object, string[]>();
    for (const clause of clauses) {
      if (clause.kind === 'param') continue;
      const innerType = clause.kind === 'chain' ? clause.targetType : clause.sourceType;
      const inner: ParsedSearch = {
        resourceTypes: [innerType],
        clauses: [clause.next],
        sort: [],
        count: maxChainTargets,
        include: [],
        revinclude: [],
        applied: [],
        ignored: [],
      };
      const filter = await this.toFilter(inner, narrowing);
      const docs = await this.resources
        .find(filter as Filter<CurrentDocument>, { projection: { _id: 1, search: 1 } })
        .limit(maxChainTargets + 1)
        .toArray();
      if (docs.length > maxChainTargets) {
        throw new FhirError('tooLarge', 'a chained parameter matches too many resources; narrow it');
      }
      results.set(
        clause,
        clause.kind === 'chain'
          ? docs.map((d) => d._id)
          : docs.flatMap((d) => referencesOf(d, clause.referenceParam.code, resourceTypes)),
      );
    }
    return results;
  }

  private async countTotal(parsed: ParsedSearch, filter: Filter<Document>): Promise<number | undefined> {
    if (parsed.total === 'none' && parsed.summary !== 'count') return undefined;
    return this.resources.countDocuments(filter as Filter<CurrentDocument>);
  }

  private pageTokens(
    parsed: ParsedSearch,
    page: CurrentDocument[],
    fingerprint: string,
    edges: { hasNext: boolean; hasPrevious: boolean },
  ): Pick<SearchResult, 'next' | 'previous'> {
    const first = page[0];
    const last = page.at(-1);
    const token = (doc: CurrentDocument, direction: 'next' | 'previous') =>
      createPageToken(
        { direction, values: readSortValues(doc, parsed.sort), id: doc._id, search: fingerprint },
        this.options.pageKey,
      );
    return {
      next: edges.hasNext && last ? token(last, 'next') : undefined,
      previous: edges.hasPrevious && first ? token(first, 'previous') : undefined,
    };
  }

  /** `_include` (with `:iterate`) and `_revinclude`, narrowed like the matches. */
  private async findIncludes(
    parsed: ParsedSearch,
    page: CurrentDocument[],
    narrowing: SearchNarrowing,
  ): Promise<StoredVersion[]> {
    if (page.length === 0 || (parsed.include.length === 0 && parsed.revinclude.length === 0)) {
      return [];
    }
    const seen = new Set(page.map((d) => d._id));
    const included: CurrentDocument[] = [];
    let frontier = page;

    for (let round = 0; round < maxIncludeRounds && frontier.length > 0; round++) {
      const specs = (spec: IncludeSpec) => round === 0 || spec.isIterate;
      const forward = parsed.include.filter(specs);
      const reverse = parsed.revinclude.filter(specs);
      const found = [
        ...(await this.followReferences(frontier, forward, narrowing)),
        ...(await this.findReferrers(frontier, reverse, narrowing)),
      ].filter((doc) => !seen.has(doc._id) && seen.add(doc._id));
      included.push(...found);
      if (included.length > maxIncludes) {
        throw new FhirError('tooLarge', 'the search includes too many resources; lower _count');
      }
      frontier = found;
    }
    return Promise.all(included.map((doc) => this.store.open(doc)));
  }

  private async followReferences(
    docs: CurrentDocument[],
    specs: IncludeSpec[],
    narrowing: SearchNarrowing,
  ): Promise<CurrentDocument[]> {
    const refs = new Set<string>();
    for (const spec of specs) {
      for (const doc of docs.filter((d) => d.type === spec.sourceType)) {
        for (const code of includeParams(spec)) {
          for (const ref of referencesOf(doc, code, spec.targetType ? [spec.targetType] : undefined)) {
            refs.add(ref);
          }
        }
      }
    }
    if (refs.size === 0) return [];
    return this.resources
      .find({ _id: { $in: [...refs] }, deleted: false, ...compartmentFilter(narrowing) })
      .toArray();
  }

  private async findReferrers(
    docs: CurrentDocument[],
    specs: IncludeSpec[],
    narrowing: SearchNarrowing,
  ): Promise<CurrentDocument[]> {
    const found: CurrentDocument[] = [];
    const targets = docs.map((d) => d._id);
    for (const spec of specs) {
      const conditions = includeParams(spec).map((p) => ({
        kind: 'entry' as const,
        p,
        match: { ref: { $in: targets } },
        isNegated: false,
      }));
      for (const condition of conditions) {
        const base = { type: spec.sourceType, deleted: false, ...compartmentFilter(narrowing) };
        const filter = await this.runnable({ base, conditions: [condition] });
        found.push(...(await this.resources.find(filter as Filter<CurrentDocument>).limit(maxIncludes + 1).toArray()));
      }
    }
    return found;
  }
}

/** The reference parameters an include names: one, or all of the source type's for `*`. */
function includeParams(spec: IncludeSpec): string[] {
  if (spec.param) return [spec.param.code];
  return [...getSearchParams(spec.sourceType).values()]
    .filter((def) => def.type === 'reference')
    .map((def) => def.code);
}

/** Local `Type/id` references a document's index holds for a parameter, optionally by type. */
function referencesOf(doc: Pick<CurrentDocument, 'search'>, code: string, types?: string[]): string[] {
  return doc.search
    .filter((entry): entry is ReferenceEntry => entry.p === code && entry.t === 'reference')
    .map((entry) => entry.ref)
    .filter((ref): ref is string => ref !== undefined)
    .filter((ref) => !types || types.includes(ref.split('/')[0] ?? ''));
}

function compartmentFilter(narrowing: SearchNarrowing): Document {
  return narrowing.compartments?.length ? { compartments: { $all: narrowing.compartments } } : {};
}

