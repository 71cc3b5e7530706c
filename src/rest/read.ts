import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccessNarrowing } from '../auth/policy-types.ts';
import { FhirError } from '../fhir/fhir-error.ts';
import type { StoredVersion } from '../store/resource-store.ts';
import { noteAudit } from '../audit/request-audit.ts';
import { mask } from './access.ts';
import { auditRef } from './audit-note.ts';
import { requireInteraction } from './interactions.ts';
import { pathParam, sendVersion } from './respond.ts';
import type { RestContext } from './rest-context.ts';

/** read: `GET [base]/[type]/[id]` (http://hl7.org/fhir/R4/http.html#read). */
export function readHandler(ctx: RestContext) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const type = requireInteraction(pathParam(request, 'type'), 'read');
    const id = pathParam(request, 'id');
    const narrowing = ctx.guard.checkType(request, { interaction: 'read', resourceType: type, id });
    const version = await readForCaller(ctx, type, id, narrowing);
    return sendVisible(ctx, request, reply, version, 'read');
  };
}

/**
 * The current version, or 404/410. A deletion has no body to check the grant against: a narrowed
 * grant (one patient, some categories) must not learn that a resource it may not see existed, so
 * a deleted resource reads 404 for it. The caller still checks the version it gets.
 */
export async function readForCaller(
  ctx: RestContext,
  type: string,
  id: string,
  narrowing: AccessNarrowing,
): Promise<StoredVersion> {
  return ctx.store.read(type, id).catch((err: unknown) => {
    const isNarrowed = narrowing.compartment !== undefined || narrowing.filters.length > 0;
    if (err instanceof FhirError && err.kind === 'gone' && isNarrowed) {
      throw new FhirError('notFound', `${type} resource not found`);
    }
    throw err;
  });
}

/** vread: `GET [base]/[type]/[id]/_history/[vid]`. */
export function vreadHandler(ctx: RestContext) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const type = requireInteraction(pathParam(request, 'type'), 'vread');
    const id = pathParam(request, 'id');
    ctx.guard.checkType(request, { interaction: 'vread', resourceType: type, id });
    const version = await ctx.store.vread(type, id, parseVersionId(pathParam(request, 'vid')));
    return sendVisible(ctx, request, reply, version, 'vread');
  };
}

function sendVisible(
  ctx: RestContext,
  request: FastifyRequest,
  reply: FastifyReply,
  version: StoredVersion,
  interaction: 'read' | 'vread',
) {
  const resource = version.resource!;
  const narrowing = ctx.guard.checkVisible(request, {
    interaction,
    resourceType: version.type,
    id: version.id,
    resource,
  });
  noteAudit(request, { interaction, resource: auditRef(version), records: 1 }, [resource]);
  return sendVersion(request, reply, { ...version, resource: mask(resource, narrowing) });
}

function parseVersionId(vid: string): number {
  if (!/^[1-9]\d{0,14}$/.test(vid)) throw new FhirError('notFound', 'no such version');
  return Number(vid);
}
