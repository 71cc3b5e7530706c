import type { FastifyReply, FastifyRequest } from 'fastify';
import { informationOutcome } from '../fhir/fhir-error.ts';
import type { StoredVersion } from '../store/resource-store.ts';
import { negotiateFormat } from './negotiation.ts';
import { readReturnPreference } from './prefer.ts';

/** Sends a FHIR JSON body in the negotiated format (content type, `_pretty`). */
export function sendFhir(request: FastifyRequest, reply: FastifyReply, status: number, body: unknown) {
  const format = negotiateFormat(request);
  const text = body === undefined ? '' : JSON.stringify(body, null, format.pretty ? 2 : undefined);
  return reply.code(status).type(format.contentType).send(text);
}

/** Version headers of a resource: `ETag: W/"<vid>"` and `Last-Modified`. */
export function setVersionHeaders(reply: FastifyReply, version: StoredVersion): void {
  reply.header('etag', `W/"${version.versionId}"`);
  reply.header('last-modified', version.lastUpdated.toUTCString());
}

/** Answers a read or vread with the resource and its version headers. */
export function sendVersion(request: FastifyRequest, reply: FastifyReply, version: StoredVersion) {
  setVersionHeaders(reply, version);
  return sendFhir(request, reply, 200, version.resource);
}

/**
 * Answers a create or update: status, version headers, `Location` with `_history/<vid>`, and
 * the body the client's `Prefer: return=` asks for.
 */
export function sendWriteResult(
  request: FastifyRequest,
  reply: FastifyReply,
  version: StoredVersion,
  status: 200 | 201,
) {
  setVersionHeaders(reply, version);
  const location = `${baseUrlOf(request)}/${version.type}/${version.id}/_history/${version.versionId}`;
  reply.header(status === 201 ? 'location' : 'content-location', location);
  if (status === 201) reply.header('content-location', location);

  switch (readReturnPreference(request)) {
    case 'minimal':
      return sendFhir(request, reply, status, undefined);
    case 'OperationOutcome':
      return sendFhir(request, reply, status, informationOutcome(outcomeText(status)));
    default:
      return sendFhir(request, reply, status, version.resource);
  }
}

function outcomeText(status: 200 | 201): string {
  return status === 201 ? 'resource created' : 'resource updated';
}

/** The FHIR base URL of this request: the configured public URL, else derived from the request. */
export function baseUrlOf(request: FastifyRequest): string {
  const configured = request.server.wardBaseUrl;
  if (configured) return configured;
  return `${request.protocol}://${request.host}/fhir`;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Public base URL of the FHIR endpoint from configuration, when set. */
    wardBaseUrl?: string;
  }
}

/** A path parameter the route pattern declares; the router guarantees a string. */
export function pathParam(
  request: FastifyRequest,
  name: 'type' | 'id' | 'vid' | 'compartmentType',
): string {
  const value = (request.params as Record<string, unknown>)[name];
  if (typeof value !== 'string') throw new Error(`route has no :${name} parameter`);
  return value;
}

/** An optional path parameter, for handlers shared by several levels (history). */
export function optionalPathParam(request: FastifyRequest, name: 'type' | 'id'): string | undefined {
  const value = (request.params as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}
