/**
 * Who is calling and what they were granted, attached to every authenticated request as
 * `request.auth`. Built by the authentication hook from a verified access token; read by the
 * access policy, the REST layer and the audit layer. Carries our own ids, never PHI.
 */
export interface AuthContext {
  /** Token id (`jti`) of the access token. */
  tokenId: string;
  /** Issuer of the token: Ward's own issuer URL or a configured external IdP. */
  issuer: string;
  /** The human user, when one is behind the token (absent for backend services). */
  user?: {
    id: string;
    roles: string[];
    /** FHIR reference of the user, e.g. `Practitioner/123` or `Patient/456`. */
    fhirUser?: string;
  };
  /** The OAuth client (SMART app or backend service). */
  clientId: string;
  /** Granted scopes as strings, e.g. `patient/Observation.rs?category=vital-signs`. */
  scopes: string[];
  /** Launch context: the patient in context for `patient/` scopes. */
  patient?: string;
  encounter?: string;
  /** Emergency access in force (HIPAA §164.312(a)(2)(ii)), with its stated reason. */
  breakGlass?: { reason: string; expiresAt: Date };
  /** Purpose of use from the token, when it carries one (for audit). */
  purposeOfUse?: string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook on every `/fhir` request it lets through. */
    auth?: AuthContext;
  }
}
