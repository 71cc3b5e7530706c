import type { FastifyRequest } from 'fastify';
import type { Resource } from 'fhir/r4';
import type { AuthContext } from '../auth/auth-context.ts';
import type { AccessPolicy } from '../auth/policy.ts';
import { applyFieldMask } from '../auth/policy-field-mask.ts';
import type { AccessNarrowing, AccessRequest } from '../auth/policy-types.ts';
import { FhirError } from '../fhir/fhir-error.ts';

/**
 * Enforcement of the access policy in the REST layer (issue #4, "Enforcement, every request").
 * Two steps for anything touching one resource: a pre-check on the type and interaction (403
 * when the grant never covers it), then the decision on the stored resource, which answers 404
 * when it fails: a caller who may not see a resource must not learn that it exists.
 */
export class AccessGuard {
  constructor(private readonly policy: AccessPolicy) {}

  /** The pre-check: the grant covers this interaction on this type at all. */
  checkType(request: FastifyRequest, access: Omit<AccessRequest, 'resource' | 'previous'>) {
    const decision = this.policy.authorize(authOf(request), access);
    if (!decision.allowed) throw forbidden();
    noteBreakGlass(request, decision.isBreakGlass);
    return decision.narrowing;
  }

  /** A stored resource the caller wants to see; invisible ones look missing. */
  checkVisible(request: FastifyRequest, access: AccessRequest & { resource: Resource }) {
    const decision = this.policy.authorize(authOf(request), access);
    if (!decision.allowed) throw new FhirError('notFound', `${access.resourceType} resource not found`);
    noteBreakGlass(request, decision.isBreakGlass);
    return decision.narrowing;
  }

  /** Whether a resource may be shown (for includes and history entries), without throwing. */
  isVisible(request: FastifyRequest, resource: Resource): boolean {
    const access = { interaction: 'read' as const, resourceType: resource.resourceType, resource };
    return this.policy.authorize(authOf(request), access).allowed;
  }

  /** A write: the new body and the version it replaces must both be within the grant. */
  checkWrite(request: FastifyRequest, access: AccessRequest) {
    const decision = this.policy.authorize(authOf(request), access);
    if (!decision.allowed) throw forbidden();
    noteBreakGlass(request, decision.isBreakGlass);
    return decision.narrowing;
  }

  /** What may leave the server of a resource: the field mask of the caller's roles, if any. */
  shape(request: FastifyRequest, resource: Resource): Resource {
    const access = { interaction: 'read' as const, resourceType: resource.resourceType, resource };
    const decision = this.policy.authorize(authOf(request), access);
    return decision.allowed ? mask(resource, decision.narrowing) : resource;
  }
}

/** Applies a decision's field mask to an outgoing resource. */
export function mask(resource: Resource, narrowing: AccessNarrowing): Resource {
  return narrowing.fieldMask ? applyFieldMask(resource, narrowing.fieldMask) : resource;
}

function authOf(request: FastifyRequest): AuthContext {
  // The authentication hook runs before every /fhir route; reaching here without it is a bug.
  if (!request.auth) throw new FhirError('unauthenticated', 'a valid bearer token is required');
  return request.auth;
}

function forbidden(): FhirError {
  return new FhirError('forbidden', 'the granted scopes do not permit this interaction');
}

function noteBreakGlass(request: FastifyRequest, isBreakGlass: boolean) {
  if (isBreakGlass) request.isBreakGlass = true;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when an emergency-access grant made this request possible; audit marks it. */
    isBreakGlass?: boolean;
  }
}
