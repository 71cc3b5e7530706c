import type { FastifyReply, FastifyRequest } from 'fastify';
import { FhirError } from '../fhir/fhir-error.ts';
import type { ResourceStore } from '../store/resource-store.ts';
import { isValidFhirId } from '../validation/validate-resource.ts';
import { requireInteraction } from './interactions.ts';
import { readIfMatch, readResourceBody } from './request-body.ts';
import { pathParam, sendFhir, sendWriteResult, setVersionHeaders } from './respond.ts';


/** create: `POST [base]/[type]`; the server assigns the id (http://hl7.org/fhir/R4/http.html#create). */
export function createHandler(store: ResourceStore) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const type = requireInteraction(pathParam(request, 'type'), 'create');
    const resource = readResourceBody(request, type);
    // "If an id is provided, the server SHALL ignore it." (R4 http.html#create)
    delete resource.id;
    const { version } = await store.create(resource);
    return sendWriteResult(request, reply, version, 201);
  };
}

/** update: `PUT [base]/[type]/[id]`, also creating under the client's id (update-as-create). */
export function updateHandler(store: ResourceStore) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const type = requireInteraction(pathParam(request, 'type'), 'update');
    const id = pathParam(request, 'id');
    if (!isValidFhirId(id)) throw new FhirError('invalidInput', 'the URL id is not a valid FHIR id');
    const ifMatch = readIfMatch(request);
    const resource = readResourceBody(request, type);
    if (resource.id !== id) {
      throw new FhirError('invalidInput', 'the resource id must match the id in the URL', {
        issues: [{ diagnostics: 'the resource id must match the id in the URL', expression: `${type}.id` }],
      });
    }
    const { version, created } = await store.update({ ...resource, id }, ifMatch);
    return sendWriteResult(request, reply, version, created ? 201 : 200);
  };
}

/** delete: `DELETE [base]/[type]/[id]`, logical; later reads answer 410 Gone. */
export function deleteHandler(store: ResourceStore) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const type = requireInteraction(pathParam(request, 'type'), 'delete');
    const version = await store.delete(type, pathParam(request, 'id'), readIfMatch(request));
    if (version) setVersionHeaders(reply, version);
    return sendFhir(request, reply, 204, undefined);
  };
}
