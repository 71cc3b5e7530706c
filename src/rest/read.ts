import type { FastifyReply, FastifyRequest } from 'fastify';
import { FhirError } from '../fhir/fhir-error.ts';
import type { ResourceStore } from '../store/resource-store.ts';
import { requireInteraction } from './interactions.ts';
import { pathParam, sendVersion } from './respond.ts';


/** read: `GET [base]/[type]/[id]` (http://hl7.org/fhir/R4/http.html#read). */
export function readHandler(store: ResourceStore) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const type = requireInteraction(pathParam(request, 'type'), 'read');
    const version = await store.read(type, pathParam(request, 'id'));
    return sendVersion(request, reply, version);
  };
}

/** vread: `GET [base]/[type]/[id]/_history/[vid]`. */
export function vreadHandler(store: ResourceStore) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const type = requireInteraction(pathParam(request, 'type'), 'vread');
    const version = await store.vread(type, pathParam(request, 'id'), parseVersionId(pathParam(request, 'vid')));
    return sendVersion(request, reply, version);
  };
}

function parseVersionId(vid: string): number {
  if (!/^[1-9]\d{0,14}$/.test(vid)) throw new FhirError('notFound', 'no such version');
  return Number(vid);
}
