import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Resource } from 'fhir/r4';
import { FhirError } from '../fhir/fhir-error.ts';
import { extractCompartments } from '../search/compartment.ts';
import type { AuditServer } from './audit-parts.ts';
import type { AuditTrail } from './audit-trail.ts';
import type { ChangedElement, RestInteraction } from './rest-audit-event.ts';

/** What a handler learnt about its interaction, for the AuditEvent written when it answers. */
export interface RequestAudit {
  interaction: RestInteraction;
  resource?: { type: string; id?: string; versionId?: string | number };
  /** `Patient/<id>` of every patient whose data the response disclosed or the write touched. */
  patients: Set<string>;
  /** Resources returned (for the bulk-access breach rule). */
  records: number;
  changedElements?: ChangedElement[];
}

declare module 'fastify' {
  interface FastifyRequest {
    audit?: RequestAudit;
    /** FHIR issue code of a failure, set by the error handler, for `outcomeDesc`. */
    failureCode?: string;
  }
}

/** Records, on the request, what its AuditEvent must say; resources add their patients. */
export function noteAudit(
  request: FastifyRequest,
  note: Omit<Partial<RequestAudit>, 'patients'> & { interaction: RestInteraction },
  resources: readonly Resource[] = [],
): void {
  const audit: RequestAudit = request.audit ?? { interaction: note.interaction, patients: new Set(), records: 0 };
  Object.assign(audit, note);
  for (const resource of resources) {
    for (const patient of extractCompartments(resource)) audit.patients.add(patient);
  }
  request.audit = audit;
}

/** `/fhir` paths that disclose nothing about anyone: not audited. */
const unauditedPaths = new Set(['/fhir/metadata', '/fhir/.well-known/smart-configuration']);

/**
 * One AuditEvent per `/fhir` interaction, successful or refused (401, 403, 404, 4xx, 5xx),
 * durably stored before the response leaves (HIPAA §164.312(b); DESIGN.md "Fail closed"): if
 * the audit write fails, the client gets a 503 instead of its answer.
 */
export function registerRequestAudit(app: FastifyInstance, trail: AuditTrail, server: AuditServer) {
  app.addHook('onSend', async (request, reply, payload) => {
    const path = request.url.split('?', 1)[0] ?? '';
    if (!(path === '/fhir' || path.startsWith('/fhir/')) || unauditedPaths.has(path)) return payload;
    // A CORS preflight carries no credentials and discloses nothing.
    if (request.method === 'OPTIONS') return payload;

    const audit = request.audit ?? { interaction: guessInteraction(request), patients: new Set<string>(), records: 0 };
    const query = audit.interaction === 'search' ? queryOf(request) : undefined;
    try {
      await trail.recordRest(
        {
          interaction: audit.interaction,
          outcome: { status: reply.statusCode, code: request.failureCode },
          recorded: new Date(),
          auth: request.auth,
          // A client that already hung up has no address left to read.
          network: { address: request.ip ?? 'unknown' },
          resource: audit.resource,
          patients: [...audit.patients],
          query,
          changedElements: audit.changedElements,
          requestId: request.id,
          server,
        },
        audit.records,
      );
      return payload;
    } catch (err) {
      request.log.error({ err }, 'audit record failed; answer withheld');
      const failure = new FhirError('unavailable', 'the request could not be audited; retry later');
      reply.code(failure.status).type('application/fhir+json; charset=utf-8');
      reply.removeHeader('location');
      reply.removeHeader('content-location');
      reply.removeHeader('etag');
      return JSON.stringify(failure.toOperationOutcome());
    }
  });
}

function queryOf(request: FastifyRequest): string | undefined {
  const index = request.url.indexOf('?');
  const query = index >= 0 ? request.url.slice(index + 1) : '';
  const form = request.method === 'POST' && typeof request.body === 'string' ? request.body : '';
  const joined = [query, form].filter(Boolean).join('&');
  return joined || undefined;
}

/** The interaction of a request no handler described (refused before it, or unknown route). */
function guessInteraction(request: FastifyRequest): RestInteraction {
  const route = request.routeOptions?.url ?? '';
  switch (request.method) {
    case 'POST':
      return route.endsWith('/_search') ? 'search' : 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      if (route.endsWith('/_history/:vid')) return 'vread';
      if (route.endsWith('/:id/_history')) return 'history-instance';
      if (route.endsWith('/:type/_history')) return 'history-type';
      if (route.endsWith('/_history')) return 'history-system';
      if (route.endsWith('/:type/:id')) return 'read';
      return 'search';
  }
}
