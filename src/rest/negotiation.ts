import type { FastifyRequest } from 'fastify';
import { FhirError } from '../fhir/fhir-error.ts';

/** Media types of FHIR JSON; a write must carry one of them (http://hl7.org/fhir/R4/http.html#mime-type). */
export const jsonMediaTypes = ['application/fhir+json', 'application/json'] as const;

/** The body of a patch: a JSON Patch document (http://hl7.org/fhir/R4/http.html#patch). */
export const jsonPatchMediaType = 'application/json-patch+json';

const jsonFormats = new Set(['json', 'application/json', 'application/fhir+json', 'application/json+fhir']);
const acceptedRanges = new Set([...jsonFormats, '*/*', 'application/*']);

export interface ResponseFormat {
  contentType: string;
  pretty: boolean;
}

/**
 * Chooses the response format from `_format` (which wins over Accept, as the spec says) and the
 * Accept header. Ward speaks JSON only: asking for XML, Turtle or anything else is a 406.
 */
export function negotiateFormat(request: FastifyRequest): ResponseFormat {
  const query = request.query as Record<string, unknown>;
  const format = firstString(query._format);
  const pretty = firstString(query._pretty) === 'true';

  if (format !== undefined) {
    if (!jsonFormats.has(mediaType(format))) throw notAcceptable();
    return { contentType: contentTypeFor(mediaType(format)), pretty };
  }
  const accept = request.headers.accept;
  if (!accept) return { contentType: contentTypeFor('application/fhir+json'), pretty };

  const ranges = accept.split(',').map((range) => mediaType(range));
  const chosen = ranges.find((range) => acceptedRanges.has(range));
  if (!chosen) throw notAcceptable();
  return { contentType: contentTypeFor(chosen), pretty };
}

function contentTypeFor(range: string): string {
  const type = range === 'application/json' ? 'application/json' : 'application/fhir+json';
  return `${type}; charset=utf-8`;
}

function mediaType(value: string): string {
  return (value.split(';')[0] ?? '').trim().toLowerCase();
}

function firstString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

function notAcceptable(): FhirError {
  return new FhirError('notAcceptable', 'this server answers in FHIR JSON only');
}
