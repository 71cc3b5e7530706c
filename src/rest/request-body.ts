import type { FastifyRequest } from 'fastify';
import type { Resource } from 'fhir/r4';
import { FhirError } from '../fhir/fhir-error.ts';
import { validateResource } from '../validation/validate-resource.ts';

/** Parses the If-Match header (`W/"3"` or `"3"`) into a version number, if present. */
export function readIfMatch(request: FastifyRequest): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"(\d{1,15})"\s*$/.exec(header);
  if (!match) throw new FhirError('invalidInput', 'If-Match must be a version ETag such as W/"3"');
  return Number(match[1]);
}

/**
 * The request body as a valid resource of the URL's type, or a 400 naming each failing element.
 * The server owns `meta.versionId` and `meta.lastUpdated`; what the client sent is dropped.
 */
export function readResourceBody(request: FastifyRequest, type: string): Resource {
  const body: unknown = request.body;
  if (body === undefined || body === null) {
    throw new FhirError('invalidInput', 'the request has no resource body');
  }
  if (typeof body === 'string') {
    // Only form-encoded bodies arrive as text, and those are for _search.
    throw new FhirError('unsupportedMediaType', 'send resources as application/fhir+json');
  }
  return toWritableResource(body, type);
}

/**
 * A value as a valid resource of the type, or a 400 naming each failing element, without the
 * `meta.versionId` and `meta.lastUpdated` that the server owns.
 */
export function toWritableResource(body: unknown, type: string): Resource {
  validateResource(body, type);
  const resource: Resource = body;
  if (resource.meta) {
    delete resource.meta.versionId;
    delete resource.meta.lastUpdated;
  }
  return resource;
}
