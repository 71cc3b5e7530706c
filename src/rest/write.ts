import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Resource } from 'fhir/r4';
import type { AccessNarrowing } from '../auth/policy-types.ts';
import { FhirError } from '../fhir/fhir-error.ts';
import { isValidFhirId } from '../validation/validate-resource.ts';
import { describeChanges } from '../audit/changed-elements.ts';
import { noteAudit } from '../audit/request-audit.ts';
import { mask } from './access.ts';
import { auditRef } from './audit-note.ts';
import { requireInteraction } from './interactions.ts';
import { readIfMatch, readResourceBody } from './request-body.ts';
import { pathParam, sendFhir, sendWriteResult, setVersionHeaders } from './respond.ts';
import type { RestContext } from './rest-context.ts';
import type { StoredVersion } from '../store/resource-store.ts';

/** create: `POST [base]/[type]`; the server assigns the id (http://hl7.org/fhir/R4/http.html#create). */
export function createHandler(ctx: RestContext) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const type = requireInteraction(pathParam(request, 'type'), 'create');
    const resource = readResourceBody(request, type);
    // "If an id is provided, the server SHALL ignore it." (R4 http.html#create)
    delete resource.id;
    const narrowing = ctx.guard.checkWrite(request, { interaction: 'create', resourceType: type, resource });
    const { version } = await ctx.store.create(resource);
    noteAudit(request, { interaction: 'create', resource: auditRef(version) }, [resource]);
    return sendWriteResult(request, reply, { ...version, resource: mask(version.resource!, narrowing) }, 201);
  };
}

/** update: `PUT [base]/[type]/[id]`, also creating under the client's id (update-as-create). */
export function updateHandler(ctx: RestContext) {
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
    const previous = await readCurrent(ctx, type, id);
    const narrowing = ctx.guard.checkWrite(request, {
      interaction: 'update',
      resourceType: type,
      id,
      resource,
      previous,
    });
    const { shown, created } = await storeNewVersion(ctx, request, {
      interaction: 'update',
      resource: { ...resource, id },
      previous,
      ifMatch,
      narrowing,
    });
    return sendWriteResult(request, reply, shown, created ? 201 : 200);
  };
}

/** A new version of an existing (or, for update, absent) resource, as update and patch write it. */
export interface NewVersion {
  interaction: 'update' | 'patch';
  resource: Resource & { id: string };
  previous: Resource | undefined;
  ifMatch: number | undefined;
  /** What the caller's grant allows of the result, for the field mask. */
  narrowing: AccessNarrowing;
}

/**
 * Stores the version compare-and-set on `ifMatch`, notes its AuditEvent with the changed
 * elements (hashed), and gives back the stored version as the caller may see it.
 */
export async function storeNewVersion(
  ctx: RestContext,
  request: FastifyRequest,
  change: NewVersion,
): Promise<{ shown: StoredVersion; created: boolean }> {
  const { previous } = change;
  const { version, created } = await ctx.store.update(change.resource, change.ifMatch);
  noteAudit(
    request,
    {
      interaction: change.interaction,
      resource: auditRef(version),
      changedElements: describeChanges(previous, version.resource!, ctx.blind),
    },
    [version.resource!, ...(previous ? [previous] : [])],
  );
  return { shown: { ...version, resource: mask(version.resource!, change.narrowing) }, created };
}

/** delete: `DELETE [base]/[type]/[id]`, logical; later reads answer 410 Gone. */
export function deleteHandler(ctx: RestContext) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const type = requireInteraction(pathParam(request, 'type'), 'delete');
    const id = pathParam(request, 'id');
    const previous = await readCurrent(ctx, type, id);
    // With nothing to delete, the policy decides on the type alone (and answers 403 or 404 alike).
    ctx.guard.checkWrite(request, { interaction: 'delete', resourceType: type, id, previous });
    const version = await ctx.store.delete(type, id, readIfMatch(request));
    const resource = version ? auditRef(version) : { type, id };
    noteAudit(request, { interaction: 'delete', resource }, previous ? [previous] : []);
    if (version) setVersionHeaders(reply, version);
    return sendFhir(request, reply, 204, undefined);
  };
}

/** The current version a write replaces, or undefined when there is none (never, or deleted). */
async function readCurrent(ctx: RestContext, type: string, id: string): Promise<Resource | undefined> {
  try {
    return (await ctx.store.read(type, id)).resource;
  } catch (err) {
    if (err instanceof FhirError && (err.kind === 'notFound' || err.kind === 'gone')) return undefined;
    throw err;
  }
}
