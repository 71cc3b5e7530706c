import type { Bundle, BundleEntry, BundleLink, Resource } from 'fhir/r4';
import type { StoredVersion } from '../store/resource-store.ts';

/** A `history` Bundle (http://hl7.org/fhir/R4/http.html#history): newest first, deletions included. */
export function historyBundle(
  baseUrl: string,
  versions: StoredVersion[],
  links: BundleLink[],
  total: number,
): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'history',
    total,
    link: links,
    entry: versions.map((version) => historyEntry(baseUrl, version)),
  };
}

function historyEntry(baseUrl: string, version: StoredVersion): BundleEntry {
  const url = `${version.type}/${version.id}`;
  const method = version.deleted ? 'DELETE' : (version.method ?? 'PUT');
  return {
    fullUrl: `${baseUrl}/${url}`,
    ...(version.resource ? { resource: version.resource as Resource } : {}),
    request: { method, url: method === 'POST' ? version.type : url },
    response: {
      status: version.deleted ? '204' : method === 'POST' ? '201' : '200',
      etag: `W/"${version.versionId}"`,
      lastModified: version.lastUpdated.toISOString(),
    },
  };
}

/** A `searchset` Bundle: matches then includes, each marked with its search mode. */
export function searchsetBundle(
  baseUrl: string,
  matches: Resource[],
  includes: Resource[],
  links: BundleLink[],
  total: number | undefined,
): Bundle {
  const entry = (resource: Resource, mode: 'match' | 'include'): BundleEntry => ({
    fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}`,
    resource,
    search: { mode },
  });
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(total !== undefined ? { total } : {}),
    link: links,
    entry: [...matches.map((r) => entry(r, 'match')), ...includes.map((r) => entry(r, 'include'))],
  };
}
