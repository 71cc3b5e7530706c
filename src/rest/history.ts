import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BundleLink } from 'fhir/r4';
import type { AccessNarrowing } from '../auth/policy-types.ts';
import type { Config } from '../config/config.ts';
import { historyBundle } from '../fhir/bundle.ts';
import { FhirError } from '../fhir/fhir-error.ts';
import { createPageToken, readPageToken } from '../search/paging.ts';
import { servedResourceTypes } from '../search/definitions.ts';
import type { HistoryQuery, StoredVersion } from '../store/resource-store.ts';
import { noteAudit } from '../audit/request-audit.ts';
import { mask } from './access.ts';
import { requireInteraction } from './interactions.ts';
import { baseUrlOf, optionalPathParam, sendFhir } from './respond.ts';
import type { RestContext } from './rest-context.ts';


/** Parameters history accepts (http://hl7.org/fhir/R4/http.html#history); others are a 400. */
const historyParams = new Set(['_count', '_since', '_page', '_format', '_pretty']);

/**
 * history at instance, type or system level: `[type]/[id]/_history`, `[type]/_history`,
 * `_history`; `_count`, `_since` and opaque `_page` tokens for next links.
 */
export function historyHandler(ctx: RestContext) {
  const { store, config, pageKey } = ctx;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const type = optionalPathParam(request, 'type');
    const id = optionalPathParam(request, 'id');
    if (type) requireInteraction(type, id ? 'history-instance' : 'history-type');
    const scope = [type ?? '', id ?? ''].join('/');
    const query = readHistoryQuery(request.query, config, pageKey, scope);
    const access = decideHistoryAccess(ctx, request, type, id);
    const page = await store.readHistory({ ...query, ...access.query, id });
    // An existing resource the caller may see always has history: none reads as missing,
    // whether the resource does not exist or lies outside the grant.
    if (id && page.total === 0) throw new FhirError('notFound', `${type} resource not found`);
    const versions = id
      ? page.versions.map((v) => showInstanceVersion(ctx, request, v))
      : page.versions.flatMap((v) => showListedVersion(ctx, request, v, access.narrowedTypes));
    const shown = versions.flatMap((v) => (v.resource ? [v.resource] : []));
    const interaction = id ? 'history-instance' : type ? 'history-type' : 'history-system';
    const resource = type ? { type, ...(id ? { id } : {}) } : undefined;
    noteAudit(request, { interaction, resource, records: shown.length }, shown);

    const base = baseUrlOf(request);
    const path = [base, type, id, '_history'].filter(Boolean).join('/');
    const keep = { _count: String(query.count), ...(query.since ? { _since: query.since.toISOString() } : {}) };
    const links: BundleLink[] = [{ relation: 'self', url: withQuery(path, keep, request.query) }];
    if (page.next) {
      const token = createPageToken(
        {
          direction: 'next',
          values: [page.next.lastUpdated],
          id: page.next.key,
          search: historyFingerprint(scope, query.since),
        },
        pageKey,
      );
      links.push({ relation: 'next', url: withQuery(path, { ...keep, _page: token }) });
    }
    return sendFhir(request, reply, 200, historyBundle(base, versions, links, page.total));
  };
}

/**
 * Which types and compartment a history may list. Instance history needs read on the type;
 * type and system history list only the types the grant covers, pinned to the launch
 * patient's compartment under `patient/` scopes.
 */
function decideHistoryAccess(
  ctx: RestContext,
  request: FastifyRequest,
  type: string | undefined,
  id: string | undefined,
) {
  const candidates = type ? [type] : [...servedResourceTypes];
  const allowed: Array<{ type: string; narrowing: AccessNarrowing }> = [];
  for (const candidate of candidates) {
    try {
      const access = { interaction: 'history' as const, resourceType: candidate, id };
      allowed.push({ type: candidate, narrowing: ctx.guard.checkType(request, access) });
    } catch (err) {
      if (!(err instanceof FhirError) || type) throw err;
    }
  }
  if (allowed.length === 0) {
    throw new FhirError('forbidden', 'the granted scopes do not permit this interaction');
  }
  const compartments = new Set(allowed.map((a) => a.narrowing.compartment));
  if (compartments.size > 1) {
    throw new FhirError('forbidden', 'history across these types needs a history per type');
  }
  const [compartment] = compartments;
  const narrowedTypes = new Set(
    allowed.filter((a) => a.narrowing.compartment || a.narrowing.filters.length).map((a) => a.type),
  );
  return { query: { types: allowed.map((a) => a.type), compartment }, narrowedTypes };
}

/** Instance history: one version the caller may not see hides the whole resource (404). */
function showInstanceVersion(ctx: RestContext, request: FastifyRequest, version: StoredVersion) {
  if (!version.resource) return version;
  const narrowing = ctx.guard.checkVisible(request, {
    interaction: 'read',
    resourceType: version.type,
    id: version.id,
    resource: version.resource,
  });
  return { ...version, resource: mask(version.resource, narrowing) };
}

/**
 * Type and system history: versions outside the grant are left out; deletions (no body to
 * check) are listed only for types the grant does not narrow.
 */
function showListedVersion(
  ctx: RestContext,
  request: FastifyRequest,
  version: StoredVersion,
  narrowedTypes: ReadonlySet<string>,
): StoredVersion[] {
  if (!version.resource) return narrowedTypes.has(version.type) ? [] : [version];
  if (!ctx.guard.isVisible(request, version.resource)) return [];
  return [{ ...version, resource: ctx.guard.shape(request, version.resource) }];
}

function readHistoryQuery(
  raw: unknown,
  config: Config,
  pageKey: Buffer,
  scope: string,
): Omit<HistoryQuery, 'types' | 'id'> {
  const query = raw as Record<string, string | string[] | undefined>;
  for (const name of Object.keys(query)) {
    if (!historyParams.has(name)) {
      throw new FhirError('invalidInput', `history does not support the parameter ${safeName(name)}`);
    }
  }
  const count = readCount(single(query, '_count'), config);
  const since = readInstant(single(query, '_since'));
  const page = single(query, '_page');
  if (!page) return { count, since };

  // The token is bound to the history's scope and _since, so it cannot be moved to another.
  const state = readPageToken(page, pageKey, historyFingerprint(scope, since));
  const [lastUpdated] = state.values;
  if (!(lastUpdated instanceof Date)) {
    throw new FhirError('invalidInput', 'the page token is invalid or belongs to another search');
  }
  return { count, since, after: { lastUpdated, key: state.id } };
}

function historyFingerprint(scope: string, since: Date | undefined): string {
  return `history:${scope}:${since?.getTime() ?? ''}`;
}

function readCount(value: string | undefined, config: Config): number {
  if (value === undefined) return config.historyDefaultCount;
  if (!/^\d{1,6}$/.test(value)) throw new FhirError('invalidInput', '_count must be a whole number');
  return Math.min(Math.max(Number(value), 1), config.historyMaxCount);
}

function readInstant(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  // _since is an instant: full date, time and zone (http://hl7.org/fhir/R4/datatypes.html#instant).
  const instant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
  const date = new Date(value);
  if (!instant.test(value) || Number.isNaN(date.getTime())) {
    throw new FhirError('invalidInput', '_since must be an instant with a time zone');
  }
  return date;
}

function single(query: Record<string, string | string[] | undefined>, name: string) {
  const value = query[name];
  if (Array.isArray(value)) throw new FhirError('invalidInput', `${name} may appear only once`);
  return value;
}

function withQuery(path: string, params: Record<string, string>, original?: unknown): string {
  const search = new URLSearchParams(params);
  const raw = (original ?? {}) as Record<string, unknown>;
  for (const name of ['_format', '_pretty']) {
    if (typeof raw[name] === 'string') search.set(name, raw[name] as string);
  }
  return `${path}?${search.toString()}`;
}

/** Parameter names are echoed only when they look like names, never arbitrary input. */
function safeName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_:.-]{0,63}$/.test(name) ? name : '(unrecognised)';
}
